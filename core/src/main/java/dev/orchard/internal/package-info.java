/**
 * Orchard's machinery, one sub-package per stage ({@code source}, {@code model}, {@code featurize}, {@code pca},
 * {@code sink}, {@code storage}, {@code report}, {@code probe}). <b>Not API</b>: anything here may change or
 * disappear in any release. Spark jobs use the types of {@link dev.orchard} only (see {@code docs/library.md}).
 */
package dev.orchard.internal;
