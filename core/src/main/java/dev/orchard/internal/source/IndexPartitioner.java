package dev.orchard.internal.source;

import org.apache.spark.Partitioner;

/**
 * Places the image with global index {@code i} (its rank in the deterministic listing order) in partition
 * {@code i / partitionSize}: every partition holds exactly {@code partitionSize} consecutive images (the last
 * one the rest), whatever the class skew.
 */
final class IndexPartitioner extends Partitioner {

    private static final long serialVersionUID = 1L;

    private final int partitions;
    private final long partitionSize;

    IndexPartitioner(int partitions, long partitionSize) {
        if (partitions < 1 || partitionSize < 1) {
            throw new IllegalArgumentException("partitions and partitionSize must be >= 1 but were "
                    + partitions + ", " + partitionSize);
        }
        this.partitions = partitions;
        this.partitionSize = partitionSize;
    }

    @Override
    public int numPartitions() {
        return partitions;
    }

    @Override
    public int getPartition(Object key) {
        return (int) Math.min(partitions - 1, (Long) key / partitionSize);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IndexPartitioner p && p.partitions == partitions && p.partitionSize == partitionSize;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(partitions * 31L + partitionSize);
    }
}
