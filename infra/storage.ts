/**
 * CSV exports. Clients download them through short-lived presigned URLs, re-signed on each status
 * request, so an export stays downloadable until S3 expires the object.
 */
export const exportsBucket = new sst.aws.Bucket('Exports', {
  lifecycle: [{ id: 'expire-exports', expiresIn: '7 days' }],
});
