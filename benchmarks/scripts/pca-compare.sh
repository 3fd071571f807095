#!/usr/bin/env bash
# Orchard's PCA vs MLlib RowMatrix vs numpy/OpenBLAS, side by side and interleaved (see benchmarks/README.md).
# Usage: benchmarks/scripts/pca-compare.sh [scratch dir]   (from the repository root, after
#   ./mvnw -B -o -q -pl core,job,benchmarks -am package -DskipTests)
set -euo pipefail
# One OpenBLAS thread per call unless told otherwise: Spark already runs one task per core, and on a shared machine
# OpenBLAS's spinning worker threads cost more than they give. numpy gets the same setting.
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
SCRATCH=${1:-/tmp/orchard-pca-bench}
mkdir -p "$SCRATCH"
JAVA=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}/bin/java
OPENS=$(grep -o 'spark.java17.opens>[^<]*' pom.xml | cut -d'>' -f2)
CP="benchmarks/target/classes:benchmarks/target/lib/*"
# --add-modules jdk.incubator.vector: the top-k solver's products with C on the Vector API (docs/library.md)
run_java() { TF_CPP_MIN_LOG_LEVEL=2 "$JAVA" -Xmx14g $OPENS --add-modules jdk.incubator.vector -cp "$CP" \
  dev.orchard.bench.pca.PcaVsMllib "$@"; }
echo "== $(date -u +%FT%TZ) git $(git rev-parse --short HEAD), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== 4,000 x 4096, k = 50 and --variance 0.95: driver eigensolvers on the same moments"
run_java --rows 4000 --dim 4096 --k 50 --partitions 4 --master 'local[2]' --variants orchard-auto \
  --eigensolvers "${EIGENSOLVERS:-top-k,lapack,tensorflow,top-k}" --variance 0.95 \
  --variance-eigensolvers "${VARIANCE_EIGENSOLVERS:-auto,lapack,auto}" --dump "$SCRATCH/x4096.f64"
/usr/bin/python3 benchmarks/scripts/pca_numpy.py "$SCRATCH/x4096.f64" 4000 4096 50 1

echo "== 200,000 x 1280, k = 50: Orchard, MLlib, Orchard on one cached RDD, then numpy on the same rows"
run_java --rows 200000 --dim 1280 --k 50 --partitions 4 --master 'local[2]' \
  --variants "${VARIANTS_1280:-orchard-auto,mllib,orchard-auto}" --dump "$SCRATCH/x1280.f64"
/usr/bin/python3 benchmarks/scripts/pca_numpy.py "$SCRATCH/x1280.f64" 200000 1280 50 2
echo "== end $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
