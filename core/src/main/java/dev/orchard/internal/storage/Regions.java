package dev.orchard.internal.storage;

import dev.orchard.StorageOptions;
import dev.orchard.StorageException;
import java.util.Locale;

/** Where data may live: Orchard keeps images in the EU (GDPR) unless told otherwise. */
public final class Regions {

    /** The flag that lifts {@link #requireEu}'s refusal. */
    public static final String ALLOW_NON_EU_FLAG = "--allow-non-eu-region";

    private Regions() {}

    /** Whether {@code region} is an AWS region in the EU ({@code eu-*}, e.g. {@code eu-west-3}). */
    public static boolean isEu(String region) {
        return region != null && region.strip().toLowerCase(Locale.ROOT).startsWith("eu-");
    }

    /**
     * Returns {@code region} if it is in the EU or {@code allowNonEu} is set.
     *
     * @throws StorageException naming the region and {@value #ALLOW_NON_EU_FLAG} otherwise
     *                          ({@link StorageException#uri()} is {@code "region:" + region})
     */
    public static String requireEu(String region, boolean allowNonEu) {
        if (region == null || region.isBlank()) {
            throw new StorageException("region:", "No S3 region given: pass --region (e.g. "
                    + StorageOptions.DEFAULT_REGION + ")");
        }
        if (!allowNonEu && !isEu(region)) {
            throw new StorageException("region:" + region, "Region '" + region + "' is outside the EU: "
                    + "image data must stay in an eu-* region (GDPR); pass " + ALLOW_NON_EU_FLAG
                    + " if this data may be processed there");
        }
        return region;
    }
}
