// Independent reference for Orchard's weight import: TensorFlow.js (pure-JavaScript CPU backend) builds
// MobileNetV2 and VGG16 from Keras layer classes with Keras layer names, gives them seeded weights, runs
// them on sample images, and saves each as a TF.js Layers model (model.json + shards) in float32 and
// quantized to uint8/uint16 the way tensorflowjs_converter writes it. write_h5.py then writes the same
// weights as Keras 2 and Keras 3 HDF5. See README.md for what each file is and how to regenerate.
//
// Usage: node generate.mjs [outDir] [model id ...]   (default: ./fixtures, every model)

import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(process.argv[2] || path.join(HERE, 'fixtures'));
const IMAGES_ROOT = path.resolve(HERE, '..', 'fruits-sample', 'Training');
const SEED = 20261129;
// Weights repeat with this period (a prime, so no kernel axis lines up with it) so that the committed,
// gzipped files stay small: deflate finds each repeat within its 32 KB window.
const PERIOD = 4093;
const SHARD_BYTES = 4 * 1024 * 1024; // tensorflowjs_converter's default shard size

// The networks, each imported by Orchard from several formats and compared at two input sizes.
const MODELS = [
  { id: 'mobilenet_v2_0.35', arch: 'mobilenet_v2', alpha: 0.35, sizes: [224, 96], head: 5,
    quantize: ['uint8', 'uint16'] },
  { id: 'mobilenet_v2_1.0', arch: 'mobilenet_v2', alpha: 1.0, sizes: [224, 128], head: 0, quantize: ['uint8'] },
  { id: 'vgg16', arch: 'vgg16', sizes: [48, 32], head: 0, quantize: ['uint8'] },
];
const IMAGES = 16;

// ---- seeded numbers (mulberry32), per tensor from its name ----
function hash(s) {
  let h = 2166136261 ^ SEED;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  }
  return h >>> 0;
}
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function values(name, shape, lo, hi) {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(hash(name));
  const table = new Float32Array(Math.min(n, PERIOD));
  for (let i = 0; i < table.length; i++) table[i] = lo + (hi - lo) * r();
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = table[i % PERIOD];
  return v;
}
// Keras' roles: kernels He-uniform, biases small, batch norm near identity (gamma, var in [0.5, 1.5)).
function weightValues(name, shape) {
  const role = name.slice(name.lastIndexOf('/') + 1);
  if (role === 'kernel' || role === 'depthwise_kernel') {
    const fanIn = role === 'depthwise_kernel' ? shape[0] * shape[1]
      : shape.slice(0, shape.length - 1).reduce((a, b) => a * b, 1);
    const a = Math.sqrt(6 / fanIn);
    return values(name, shape, -a, a);
  }
  if (role === 'gamma' || role === 'moving_variance') return values(name, shape, 0.5, 1.5);
  return values(name, shape, -0.1, 0.1); // bias, beta, moving_mean
}

// ---- Keras applications, rebuilt from Keras layer classes with Keras names ----
function makeDivisible(v, divisor = 8) {
  let n = Math.max(divisor, Math.floor(Math.floor(v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}
// imagenet_utils.correct_pad for a 3x3 kernel: ((top, bottom), (left, right))
function correctPad(h, w) {
  return [[1 - (1 - (h % 2)), 1], [1 - (1 - (w % 2)), 1]];
}
function mobileNetV2(size, alpha, head) {
  const L = tf.layers;
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  const bn = (x, name) => L.batchNormalization({ axis: -1, epsilon: 1e-3, momentum: 0.999, name }).apply(x);
  const relu6 = (x, name) => L.reLU({ maxValue: 6, name }).apply(x);
  let x = L.conv2d({ filters: makeDivisible(32 * alpha), kernelSize: 3, strides: 2, padding: 'same', useBias: false,
    name: 'Conv1' }).apply(input);
  x = relu6(bn(x, 'bn_Conv1'), 'Conv1_relu');
  const block = (inputs, expansion, stride, filters, id) => {
    const inChannels = inputs.shape[3];
    const pointwise = makeDivisible(Math.trunc(filters * alpha));
    let prefix = `block_${id}_`;
    let y = inputs;
    if (id) {
      y = L.conv2d({ filters: expansion * inChannels, kernelSize: 1, padding: 'same', useBias: false,
        name: `${prefix}expand` }).apply(y);
      y = relu6(bn(y, `${prefix}expand_BN`), `${prefix}expand_relu`);
    } else {
      prefix = 'expanded_conv_';
    }
    if (stride === 2) {
      y = L.zeroPadding2d({ padding: correctPad(y.shape[1], y.shape[2]), name: `${prefix}pad` }).apply(y);
    }
    y = L.depthwiseConv2d({ kernelSize: 3, strides: stride, useBias: false, padding: stride === 1 ? 'same' : 'valid',
      name: `${prefix}depthwise` }).apply(y);
    y = relu6(bn(y, `${prefix}depthwise_BN`), `${prefix}depthwise_relu`);
    y = L.conv2d({ filters: pointwise, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}project` })
      .apply(y);
    y = bn(y, `${prefix}project_BN`);
    if (inChannels === pointwise && stride === 1) return L.add({ name: `${prefix}add` }).apply([inputs, y]);
    return y;
  };
  const spec = [[1, 1, 16], [6, 2, 24], [6, 1, 24], [6, 2, 32], [6, 1, 32], [6, 1, 32], [6, 2, 64], [6, 1, 64],
    [6, 1, 64], [6, 1, 64], [6, 1, 96], [6, 1, 96], [6, 1, 96], [6, 2, 160], [6, 1, 160], [6, 1, 160], [6, 1, 320]];
  spec.forEach(([t, s, c], id) => { x = block(x, t, s, c, id); });
  const last = alpha > 1.0 ? makeDivisible(1280 * alpha) : 1280;
  x = L.conv2d({ filters: last, kernelSize: 1, useBias: false, name: 'Conv_1' }).apply(x);
  x = relu6(bn(x, 'Conv_1_bn'), 'out_relu');
  const features = L.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x);
  // A classifier head (as include_top=True adds): Orchard must ignore it and say so.
  const out = head ? L.dense({ units: head, activation: 'softmax', name: 'predictions' }).apply(features) : features;
  return { model: tf.model({ inputs: input, outputs: out, name: `mobilenetv2_${alpha.toFixed(2)}_${size}` }),
    features: tf.model({ inputs: input, outputs: features }) };
}
function vgg16(size) {
  const L = tf.layers;
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x = input;
  [[2, 64], [2, 128], [3, 256], [3, 512], [3, 512]].forEach(([n, c], b) => {
    for (let i = 0; i < n; i++) {
      x = L.conv2d({ filters: c, kernelSize: 3, activation: 'relu', padding: 'same', name: `block${b + 1}_conv${i + 1}` })
        .apply(x);
    }
    x = L.maxPooling2d({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }).apply(x);
  });
  const features = L.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x);
  const model = tf.model({ inputs: input, outputs: features, name: 'vgg16' });
  return { model, features: model };
}

// ---- inputs: sample JPEGs decoded and resized here, stored as the uint8 pixels both sides preprocess ----
function sampleImages() {
  const classes = fs.readdirSync(IMAGES_ROOT).sort();
  const files = [];
  for (let i = 0; files.length < IMAGES; i++) {
    const cls = classes[i % classes.length];
    files.push(path.join(cls, `${Math.floor(i / classes.length)}_100.jpg`));
  }
  return files;
}
function pixels(files, size) {
  return tf.tidy(() => {
    const batch = files.map((f) => {
      const img = jpeg.decode(fs.readFileSync(path.join(IMAGES_ROOT, f)), { useTArray: true, formatAsRGBA: true });
      const rgba = tf.tensor3d(img.data, [img.height, img.width, 4], 'int32');
      const rgb = rgba.slice([0, 0, 0], [img.height, img.width, 3]).toFloat();
      return tf.image.resizeBilinear(rgb, [size, size]).round().clipByValue(0, 255);
    });
    return tf.stack(batch).toInt();
  });
}
// Keras preprocess_input: mobilenet_v2 "tf" mode x / 127.5 - 1; vgg16 "caffe" mode RGB -> BGR minus mean
function preprocess(u8, arch) {
  return tf.tidy(() => {
    const x = u8.toFloat();
    if (arch === 'mobilenet_v2') return x.div(127.5).sub(1);
    return tf.reverse(x, -1).sub(tf.tensor1d([103.939, 116.779, 123.68]));
  });
}

// ---- TF.js Layers model files, as model.save() / tensorflowjs_converter write them ----
function quantize(data, dtype) {
  // tensorflowjs/quantization.py quantize_weights + _get_affine_quantization_range
  const quantMax = dtype === 'uint8' ? 255 : 65535;
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) { if (v < min) min = v; if (v > max) max = v; }
  const out = dtype === 'uint8' ? new Uint8Array(data.length) : new Uint16Array(data.length);
  if (min === max) return { q: out, min, scale: 1.0 };
  const scale = (max - min) / quantMax;
  let nmin = min;
  let nmax = max;
  if (min <= 0 && 0 <= max) {
    const zero = roundHalfEven(-min / scale);
    nmin = -zero * scale;
    nmax = quantMax * scale + nmin;
  }
  for (let i = 0; i < data.length; i++) {
    const c = Math.min(Math.max(data[i], nmin), nmax);
    out[i] = roundHalfEven((c - nmin) / scale);
  }
  return { q: out, min: nmin, scale };
}
function roundHalfEven(x) { // numpy.round
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
function writeLayersModel(dir, topology, specs, tensors, quant) {
  fs.mkdirSync(dir, { recursive: true });
  const parts = [];
  const weights = specs.map((s, i) => {
    const data = tensors[i];
    if (!quant) {
      parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      return { name: s.name, shape: s.shape, dtype: 'float32' };
    }
    const { q, min, scale } = quantize(data, quant);
    parts.push(Buffer.from(q.buffer, q.byteOffset, q.byteLength));
    return { name: s.name, shape: s.shape, dtype: 'float32',
      quantization: { dtype: quant, min, scale, original_dtype: 'float32' } };
  });
  const all = Buffer.concat(parts);
  const n = Math.max(1, Math.ceil(all.length / SHARD_BYTES));
  const paths = [];
  for (let i = 0; i < n; i++) {
    const name = `group1-shard${i + 1}of${n}.bin`;
    fs.writeFileSync(path.join(dir, name), all.subarray(i * SHARD_BYTES, Math.min(all.length, (i + 1) * SHARD_BYTES)));
    paths.push(name);
  }
  const json = { format: 'layers-model', generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: quant ? `Orchard keras-reference generator (tensorflowjs_converter --quantize_${quant} layout)` : null,
    modelTopology: topology, weightsManifest: [{ paths, weights }] };
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
}
async function topologyOf(model) {
  let artifacts;
  await model.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: {} }; }));
  return { topology: artifacts.modelTopology, specs: artifacts.weightSpecs };
}
// Loads a written model.json back through TF.js's own loader (which dequantizes), for the reference run.
async function loadBack(dir) {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const group = json.weightsManifest[0];
  const data = Buffer.concat(group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
  const ab = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: group.weights,
    weightData: ab }));
}

function writeF32(file, tensor) {
  const d = tensor.dataSync();
  fs.writeFileSync(file, Buffer.from(d.buffer, d.byteOffset, d.byteLength));
}

async function main() {
  await tf.setBackend('cpu');
  fs.mkdirSync(OUT, { recursive: true });
  const files = sampleImages();
  fs.writeFileSync(path.join(OUT, 'images.txt'), files.join('\n') + '\n');
  const sizes = [...new Set(MODELS.flatMap((m) => m.sizes))];
  const inputs = {};
  for (const s of sizes) {
    inputs[s] = pixels(files, s);
    fs.writeFileSync(path.join(OUT, `pixels-${s}.u8`), Uint8Array.from(inputs[s].dataSync()));
  }
  const summary = [];
  const only = process.argv.slice(3);
  for (const m of MODELS.filter((x) => only.length === 0 || only.includes(x.id))) {
    const dir = path.join(OUT, m.id);
    fs.rmSync(dir, { recursive: true, force: true });
    const dequantized = {};
    for (const [k, size] of m.sizes.entries()) {
      const net = m.arch === 'mobilenet_v2' ? mobileNetV2(size, m.alpha, m.head) : vgg16(size);
      const { topology, specs } = await topologyOf(net.model);
      const tensors = specs.map((s) => weightValues(s.name, s.shape));
      if (k === 0) { // the weights do not depend on the input size: save them once
        writeLayersModel(path.join(dir, 'tfjs-float32'), topology, specs, tensors, null);
        for (const q of m.quantize) {
          writeLayersModel(path.join(dir, `tfjs-${q}`), topology, specs, tensors, q);
          // TF.js's own loader dequantizes (q * scale + min): keep what it made of the weights
          dequantized[q] = (await loadBack(path.join(dir, `tfjs-${q}`))).getWeights();
        }
      }
      const x = preprocess(inputs[size], m.arch);
      net.model.setWeights(tensors.map((t, i) => tf.tensor(t, specs[i].shape)));
      const t0 = Date.now();
      const f = net.features.predict(x);
      writeF32(path.join(dir, `features-float32-${size}.f32`), f);
      summary.push(`${m.id} float32 ${size}px: ${f.shape} in ${Date.now() - t0} ms, mean |f| ${
        f.abs().mean().dataSync()[0]}`);
      for (const q of m.quantize) {
        net.model.setWeights(dequantized[q]);
        const y = net.features.predict(x);
        writeF32(path.join(dir, `features-${q}-${size}.f32`), y);
        console.log(summary[summary.length - 1]);
      summary.push(`${m.id} ${q} ${size}px: max |dequantized - float32| feature diff ${
          f.sub(y).abs().max().dataSync()[0]}`);
      }
      x.dispose();
    }
    fs.writeFileSync(path.join(dir, 'layers.json'), JSON.stringify({ arch: m.arch, alpha: m.alpha ?? null,
      sizes: m.sizes, images: IMAGES, head: m.head, quantized: m.quantize }, null, 1));
  }
  fs.appendFileSync(path.join(OUT, 'generated.txt'), summary.join('\n') + '\n');
  console.log(summary.join('\n'));
}

main().catch((e) => { console.error(e); process.exit(1); });
