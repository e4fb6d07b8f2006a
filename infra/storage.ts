/** CSV exports. Download links are short-lived presigned URLs; the files themselves expire after a week. */
export const exportsBucket = new sst.aws.Bucket('Exports', {
  transform: {
    bucket: (args) => {
      args.forceDestroy = $app.stage !== 'production';
    },
  },
});

new aws.s3.BucketLifecycleConfigurationV2('ExportsExpiry', {
  bucket: exportsBucket.name,
  rules: [{ id: 'expire-exports', status: 'Enabled', expiration: { days: 7 } }],
});
