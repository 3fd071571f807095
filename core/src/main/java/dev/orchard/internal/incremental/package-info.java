/**
 * Incremental runs: the outputs a run continues ({@link dev.orchard.internal.incremental.OutputChain}), their
 * rows read "latest wins" ({@link dev.orchard.internal.incremental.PreviousOutputs}), the listing compared with
 * them ({@link dev.orchard.internal.incremental.Diff}) and the union of several features folders
 * ({@link dev.orchard.internal.incremental.FeatureUnion}). All Spark RDD operations, no driver-side lists of
 * images.
 */
package dev.orchard.internal.incremental;
