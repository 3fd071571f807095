#!/usr/bin/python3
"""Writes the weights of each TF.js reference model as Keras HDF5 files, with h5py (Debian python3-h5py).

For every <fixtures>/<model>/tfjs-float32/model.json that generate.mjs wrote, beside it in <fixtures>/<model>/:

  keras2.h5          Keras 2 `save_weights` layout (keras/src/legacy/saving/legacy_h5_format.py):
                     root attrs layer_names / backend / keras_version; one group per layer (every layer of
                     the model, weightless ones with an empty weight_names); attr weight_names such as
                     b"Conv1/kernel:0"; each dataset created at <layer group>[weight name], i.e. under
                     /Conv1/Conv1/kernel:0. VGG16's datasets are chunked (one chunk per trailing 2-D
                     slice) and gzip-compressed (not what Keras writes, but valid HDF5 a user may have),
                     so both dataset layouts are read.
  keras3.weights.h5  Keras 3 `save_weights` layout (keras/src/saving/saving_lib.py, H5IOStore):
                     /vars (the model's own, empty), then /layers/<snake_case class>[_n]/vars/<i> for each
                     layer in model.layers order, numbered per class; no layer names are stored.
  model.keras        (mobilenet_v2_0.35 only) Keras 3 zip: metadata.json, config.json (Functional config with layer names and
                     classes, in model order) and model.weights.h5 (the layout above).

Usage: /usr/bin/python3 write_h5.py [fixtures]
"""
import io
import json
import os
import re
import sys
import zipfile

import h5py
import numpy as np

# The .keras zip holds the same HDF5 as keras3.weights.h5 plus config.json: written for the small model only,
# to keep the committed fixtures small.
KERAS_ZIP = {"mobilenet_v2_0.35"}

ROLE_ORDER = {
    "Conv2D": ["kernel", "bias"],
    "DepthwiseConv2D": ["depthwise_kernel", "bias"],
    "Dense": ["kernel", "bias"],
    "BatchNormalization": ["gamma", "beta", "moving_mean", "moving_variance"],
}


def snake_case(name):
    """keras/src/utils/naming.py to_snake_case."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def read_tfjs(model_dir):
    with open(os.path.join(model_dir, "model.json")) as f:
        model = json.load(f)
    group = model["weightsManifest"][0]
    data = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
    weights = {}
    offset = 0
    for w in group["weights"]:
        assert w["dtype"] == "float32" and "quantization" not in w, w
        n = int(np.prod(w["shape"])) if w["shape"] else 1
        weights[w["name"]] = np.frombuffer(data, "<f4", n, offset).reshape(w["shape"])
        offset += 4 * n
    assert offset == len(data), (offset, len(data))
    topo = model["modelTopology"]
    config = topo.get("model_config", topo)["config"]
    layers = [(l["class_name"], l["config"]["name"]) for l in config["layers"]]
    return layers, weights


def layer_weights(cls, name, weights):
    """The layer's (weight name, array) in the order its Keras class creates them."""
    out = []
    for role in ROLE_ORDER.get(cls, []):
        key = f"{name}/{role}"
        if key in weights:
            out.append((role, weights[key]))
    return out


def write_keras2(path, layers, weights, compress):
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([n.encode() for _, n in layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.15.0"
        for cls, name in layers:
            g = f.create_group(name)
            ws = layer_weights(cls, name, weights)
            names = [f"{name}/{role}:0".encode() for role, _ in ws]
            g.attrs["weight_names"] = np.array(names) if names else np.array([], dtype="S1")
            for (role, value), wname in zip(ws, names):
                # chunks of whole trailing 2-D slices keep each chunk one contiguous run of the flat array
                chunks = tuple([1] * (value.ndim - 2) + list(value.shape[-2:])) if value.ndim >= 2 else value.shape
                kwargs = {"compression": "gzip", "compression_opts": 6, "chunks": chunks} if compress else {}
                g.create_dataset(wname.decode(), data=value, **kwargs)


def write_keras3(target, layers, weights):
    with h5py.File(target, "w") as f:
        f.create_group("vars")
        root = f.create_group("layers")
        used = {}
        for cls, name in layers:
            key = snake_case(cls)
            if key in used:
                used[key] += 1
                key = f"{key}_{used[key]}"
            else:
                used[key] = 0
            v = root.create_group(key).create_group("vars")
            for i, (_, value) in enumerate(layer_weights(cls, name, weights)):
                v[str(i)] = value


def write_keras_zip(path, layers, weights, model_name):
    buf = io.BytesIO()
    write_keras3(buf, layers, weights)
    config = {"module": "keras", "class_name": "Functional", "config": {"name": model_name, "layers": [
        {"module": "keras.layers", "class_name": cls, "name": name, "config": {"name": name}}
        for cls, name in layers]}}
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.6.0", "date_saved": "2026-11-29@00:00:00"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", buf.getvalue())


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
    for model in sorted(os.listdir(root)):
        src = os.path.join(root, model, "tfjs-float32")
        if not os.path.isfile(os.path.join(src, "model.json")):
            continue
        layers, weights = read_tfjs(src)
        out = os.path.join(root, model)
        write_keras2(os.path.join(out, "keras2.h5"), layers, weights, compress=model.startswith("vgg16"))
        write_keras3(os.path.join(out, "keras3.weights.h5"), layers, weights)
        if model in KERAS_ZIP:
            write_keras_zip(os.path.join(out, "model.keras"), layers, weights, model)
        print(model, len(layers), "layers,", len(weights), "weights, h5py", h5py.__version__)


if __name__ == "__main__":
    main()
