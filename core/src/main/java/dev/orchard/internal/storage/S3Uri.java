package dev.orchard.internal.storage;

import dev.orchard.StorageException;

/**
 * A parsed {@code s3://bucket/key} URI. The key is raw, never percent-decoded: {@code s3://b/a b+c%20.jpg}
 * names the key {@code a b+c%20.jpg}. {@code s3a://} is accepted as an alias.
 *
 * @param bucket the bucket name, never empty
 * @param key    the object key or key prefix, without a leading slash; empty for the bucket root
 */
record S3Uri(String bucket, String key) {

    static S3Uri parse(String uri) {
        if (!Storages.isS3(uri)) {
            throw new StorageException(uri, "Not an S3 URI: '" + uri + "' (expected s3://bucket/key)");
        }
        String rest = uri.substring(uri.indexOf("://") + 3);
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String key = slash < 0 ? "" : rest.substring(slash + 1);
        if (bucket.isEmpty()) {
            throw new StorageException(uri, "S3 URI '" + uri + "' has no bucket: use s3://bucket/prefix");
        }
        return new S3Uri(bucket, key);
    }

    /** The key as a "directory" prefix: empty for the bucket root, else ending in exactly one {@code /}. */
    String dirPrefix() {
        if (key.isEmpty() || key.endsWith("/")) {
            return key;
        }
        return key + "/";
    }

    /** The URI of another key in the same bucket. */
    String uriOf(String otherKey) {
        return "s3://" + bucket + "/" + otherKey;
    }

    @Override
    public String toString() {
        return uriOf(key);
    }
}
