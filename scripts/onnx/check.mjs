// Runs a generator exported with `ganstudio export --format onnx` in ONNX
// Runtime on the noise of a `ganstudio sample --out x.safetensors` file,
// and prints the largest difference from GAN Studio's own images as JSON.
//
//   npm ci --prefix scripts/onnx
//   node scripts/onnx/check.mjs G.onnx samples.safetensors
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const ort = require("onnxruntime-node");

function readSafetensors(path) {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8"));
  const body = buf.subarray(8 + n);
  const out = {};
  for (const [name, e] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const [a, b] = e.data_offsets;
    const bytes = body.subarray(a, b);
    const copy = new Uint8Array(bytes).buffer; // aligned
    const data = e.dtype === "F32" ? new Float32Array(copy) : e.dtype === "I64" ? new BigInt64Array(copy) : null;
    if (!data) throw new Error(`${path}: tensor ${name} is ${e.dtype}`);
    out[name] = { shape: e.shape, data };
  }
  return out;
}

const [modelPath, samplesPath] = process.argv.slice(2);
if (!modelPath || !samplesPath) {
  console.error("usage: node check.mjs G.onnx samples.safetensors");
  process.exit(2);
}
const s = readSafetensors(samplesPath);
const session = await ort.InferenceSession.create(modelPath);
const feeds = { noise: new ort.Tensor("float32", s.noise.data, s.noise.shape) };
if (session.inputNames.includes("classes")) {
  const k = session.inputMetadata?.[1]?.shape?.[1] ?? Number(process.env.CLASSES);
  const n = s.noise.shape[0];
  const onehot = new Float32Array(n * k);
  s.labels.data.forEach((c, i) => { onehot[i * k + Number(c)] = 1; });
  feeds.classes = new ort.Tensor("float32", onehot, [n, k]);
}
const { images } = await session.run(feeds);
let worst = 0;
for (let i = 0; i < images.data.length; i++) {
  worst = Math.max(worst, Math.abs(images.data[i] - s.images.data[i]));
}
if (images.data.length !== s.images.data.length) throw new Error(`ONNX gave ${images.data.length} values, GAN Studio ${s.images.data.length}`);
console.log(JSON.stringify({ max_abs_diff: worst, samples: s.noise.shape[0], shape: images.dims, onnxruntime: require("onnxruntime-node/package.json").version }));
