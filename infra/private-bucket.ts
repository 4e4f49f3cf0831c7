// An S3 bucket that is private, encrypted and reachable only over TLS, with expiry.
// Both the audit-log bucket and the Athena results bucket are built from this.
import * as aws from '@pulumi/aws'
import * as pulumi from '@pulumi/pulumi'

export interface PrivateBucketArgs {
  /** Objects expire this many days after creation (audit records, query results). */
  expiryDays: number
  /** Keep overwritten/deleted objects as noncurrent versions (required by Object Lock). */
  versioning: boolean
  /** Default retention for every new object; Object Lock cannot be turned off once on. */
  objectLock?: { mode: 'GOVERNANCE' | 'COMPLIANCE'; retentionDays: number }
  /** Allow `pulumi destroy` to delete a non-empty bucket (only for disposable data). */
  forceDestroy: boolean
}

/** How long a noncurrent (overwritten or deleted) version is kept before it is removed. */
export const NONCURRENT_VERSION_DAYS = 7

export class PrivateBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket
  readonly policy: aws.s3.BucketPolicy

  constructor(name: string, args: PrivateBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super('codex-proxy:infra:PrivateBucket', name, {}, opts)
    const parent = { parent: this }

    this.bucket = new aws.s3.Bucket(name, { forceDestroy: args.forceDestroy }, parent)
    const bucket = this.bucket.id

    // ACLs disabled: the bucket owner owns every object (the default for new buckets since
    // April 2023, stated here so that drift is visible).
    new aws.s3.BucketOwnershipControls(name, { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } }, parent)

    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      name,
      { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      parent,
    )

    // SSE-S3 rather than a customer KMS key: the function role then needs no kms:* grant,
    // and Athena reads results without key policy plumbing.
    new aws.s3.BucketServerSideEncryptionConfiguration(
      name,
      { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
      parent,
    )

    // Deny every request not made over TLS
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html).
    // A Deny is not a public grant, so the public access block does not reject it.
    this.policy = new aws.s3.BucketPolicy(
      name,
      {
        bucket,
        policy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [this.bucket.arn, pulumi.interpolate`${this.bucket.arn}/*`],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        }),
      },
      { ...parent, dependsOn: [publicAccess] },
    )

    const versioning = args.versioning
      ? new aws.s3.BucketVersioning(name, { bucket, versioningConfiguration: { status: 'Enabled' } }, parent)
      : undefined

    const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
      {
        id: `expire-after-${args.expiryDays}-days`,
        status: 'Enabled',
        filter: {},
        expiration: { days: args.expiryDays },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        ...(versioning ? { noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS } } : {}),
      },
    ]
    if (versioning) {
      // S3 refuses ExpiredObjectDeleteMarker together with Days in one Expiration, hence a second rule.
      rules.push({ id: 'remove-expired-delete-markers', status: 'Enabled', filter: {}, expiration: { expiredObjectDeleteMarker: true } })
    }
    new aws.s3.BucketLifecycleConfiguration(name, { bucket, rules }, { ...parent, dependsOn: versioning ? [versioning] : [] })

    if (args.objectLock) {
      if (!versioning) throw new Error(`${name}: Object Lock requires versioning`)
      // Works on new and existing buckets; S3 keeps locked versions past the lifecycle
      // expiry until their retention ends.
      new aws.s3.BucketObjectLockConfiguration(
        name,
        {
          bucket,
          objectLockEnabled: 'Enabled',
          rule: { defaultRetention: { mode: args.objectLock.mode, days: args.objectLock.retentionDays } },
        },
        { ...parent, dependsOn: [versioning] },
      )
    }

    this.registerOutputs({ bucketName: this.bucket.bucket, bucketArn: this.bucket.arn })
  }
}
