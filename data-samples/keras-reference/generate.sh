#!/bin/sh
# Regenerates fixtures/: TF.js reference models, features and pixels (node), Keras HDF5 copies (h5py), then
# gzips the binary files (the weights repeat with a period, so they shrink ~100x). Needs node >= 18 and npm
# (npm ci fetches @tensorflow/tfjs and jpeg-js), and Debian's python3-h5py + python3-numpy
# (apt-get install -y python3-h5py python3-numpy). Takes ~30 minutes on 2 cores (TF.js's pure-JS backend).
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
rm -rf fixtures.new
node generate.mjs fixtures.new
/usr/bin/python3 write_h5.py fixtures.new
find fixtures.new -type f \( -name '*.bin' -o -name '*.h5' -o -name '*.keras' -o -name '*.u8' \) -exec gzip -9n {} +
rm -rf fixtures
mv fixtures.new fixtures
du -sh fixtures
