#!/usr/bin/python3
"""The PyTorch twin of GAN Studio's DCGAN: continue a run exported with

    ganstudio export --checkpoint C --format safetensors --out DIR

on one process or many, on CPUs or GPUs, and bring it back to GAN Studio.

    scripts/torch/ganstudio_torch.py train --checkpoint DIR --steps 1000 --out RUN
    torchrun --nproc_per_node 2 scripts/torch/ganstudio_torch.py train --checkpoint DIR --steps 1000 --out RUN
    torchrun --nproc_per_node 8 scripts/torch/ganstudio_torch.py train --device cuda --checkpoint DIR --steps 1000 --out RUN

An export folder holds config.json (GAN Studio's run configuration, the
step, the optimiser step counts, the run's random state, the preview
noise), one safetensors file per state dict (generator, discriminator,
generator_ema for EMA runs, optimizer_g, optimizer_d), data.safetensors
(the training images as the network sees them, uint8, in GAN Studio's
order, with their labels) and the run's losses.csv and grids/ so far. The
twin builds the same networks from config.json (TensorFlow's 'same'
padding, BatchNorm with the biased batch variance and decay, the seed's
LeakyReLU-dropout tails, the 64×64 DCGAN, projection conditioning,
spectral normalisation), trains with the same objective (bce, hinge or ls,
label smoothing), DiffAugment, TensorFlow's Adam, TTUR rates and the
averaged generator, on the same images in the same order.

RUN is a run folder in GAN Studio's layout: config.json, losses.csv (the
run's rows so far, then the twin's), grids/step-NNNNNNN.png (the same),
log.txt, and checkpoints/step-NNNNNNN/ in the export's layout. GAN
Studio's window opens it (Open run folder), `ganstudio sample`, `eval`
and `export` read it, and `ganstudio train --resume RUN` continues it in
GAN Studio with the curves unbroken.

Random numbers (--rng): `go`, the default, draws the noise, the dropout
masks and the augmentations from the run's own generator (Go's PCG) as GAN
Studio does, and hands the advanced state back, so that on one process the
twin continues the very run GAN Studio would have trained; `torch` draws
them from PyTorch's generators (faster on GPUs) and leaves the run's
state as exported.

Several processes (torchrun; gloo on CPU, nccl on GPUs) split each batch
of config.json's batch size between them and average their gradients
before every update, which is what DistributedDataParallel does. D is
called on real and fake images separately in one step (each half has its
own BatchNorm statistics, as in GAN Studio), which DDP's hooks do not
allow, so the averaging is written out with all_reduce. Each process's
BatchNorm sees its share of the batch, as under DDP: that is the one
difference from GAN Studio's step.

Two more commands exist for checking the twin against GAN Studio:
`replay` runs one iteration on a given batch with GAN Studio's own random
numbers and prints both losses; `generate` runs G in inference mode on
given noise.

Run with Debian's interpreter (/usr/bin/python3), which has python3-torch.
"""
import argparse
import base64
import gzip
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------- safetensors

NP_TYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "U8": np.uint8}


def read_safetensors(path):
    """Returns the tensors of a safetensors file as numpy arrays, in file
    order, and its metadata."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", None) or {}
    body = memoryview(data)[8 + n:]
    out = {}
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, end = e["data_offsets"]
        if e["dtype"] == "BF16":
            raw = np.frombuffer(body[begin:end], dtype="<u2").astype(np.uint32) << 16
            arr = raw.view(np.float32)
        elif e["dtype"] in NP_TYPES:
            arr = np.frombuffer(body[begin:end], dtype=np.dtype(NP_TYPES[e["dtype"]]).newbyteorder("<"))
        else:
            raise SystemExit(f"{path}: tensor {name} has dtype {e['dtype']}, which the twin does not read")
        out[name] = arr.reshape(e["shape"])
    return out, meta


def load_safetensors(path):
    """Returns the tensors of a safetensors file as a dict, in file order."""
    return {k: torch.from_numpy(v.copy()) for k, v in read_safetensors(path)[0].items()}


def save_safetensors(path, tensors, metadata=None):
    """Writes a dict of tensors (float32 or int64) atomically."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        b = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    write_atomic(path, struct.pack("<Q", len(h)) + h + b"".join(chunks))


def write_atomic(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix="." + os.path.basename(path))
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# ---------------------------------------------------------------- GAN Studio's random numbers

M64 = (1 << 64) - 1
M128 = (1 << 128) - 1
PCG_MUL = (2549297995355413924 << 64) | 4865540595714422341
PCG_INC = (6364136223846793005 << 64) | 1442695040888963407


class GoPCG:
    """Go's math/rand/v2 PCG (128-bit LCG, DXSM output): the generator a
    GAN Studio run draws its noise, dropout keys and augmentations from,
    and (seeded by run and epoch) its data order."""

    def __init__(self, state: bytes = None, seed=None):
        if seed is not None:  # rand.NewPCG(hi, lo)
            self.s = ((seed[0] & M64) << 64) | (seed[1] & M64)
            return
        if len(state) != 20 or state[:4] != b"pcg:":
            raise SystemExit("config.json: rng is not a Go PCG state")
        hi, lo = struct.unpack(">QQ", state[4:])
        self.s = (hi << 64) | lo

    def state(self) -> bytes:
        return b"pcg:" + struct.pack(">QQ", self.s >> 64, self.s & M64)

    def uint64(self):
        self.s = (self.s * PCG_MUL + PCG_INC) & M128
        hi, lo = self.s >> 64, self.s & M64
        hi ^= hi >> 32
        hi = (hi * 0xDA942042E4DD58B5) & M64
        hi ^= hi >> 48
        return (hi * (lo | 1)) & M64

    def uniform(self, n):
        """The seed's noise, n values in [-1, 1) as GAN Studio draws them."""
        return np.array([(self.uint64() >> 11) / (1 << 53) * 2 - 1 for _ in range(n)], dtype=np.float64).astype(np.float32)

    def bounded(self, n):
        """A uniform value in [0, n) by Lemire's method, as the data set's
        shuffle draws it (training/dataset: boundedRand)."""
        while True:
            p = self.uint64() * n
            hi, lo = p >> 64, p & M64
            if lo < n and lo < (-n & M64) % n:
                continue
            return hi


def go_permutation(n, seed, epoch):
    """The order GAN Studio reads a data set of n images in during an
    epoch (Dataset.Permutation): Fisher–Yates driven by PCG(seed, epoch ^ golden)."""
    rng = GoPCG(seed=(seed, (epoch & M64) ^ 0x9E3779B97F4A7C15))
    p = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng.bounded(i + 1)
        p[i], p[j] = p[j], p[i]
    return np.array(p, dtype=np.int64)


GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def go_dropout_mask(key, n, keep):
    """GAN Studio's dropout mask for one forward run: element i keeps when
    32 bits of SplitMix64(key + (i//2 + 1)·golden) are below keep·2³²
    (low half for even i, high half for odd i); kept elements are 1/keep."""
    with np.errstate(over="ignore"):
        z = np.arange(1, (n + 1) // 2 + 1, dtype=np.uint64)
        z *= GOLDEN
        z += np.uint64(key)
        z ^= z >> np.uint64(30)
        z *= np.uint64(0xBF58476D1CE4E5B9)
        z ^= z >> np.uint64(27)
        z *= np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    keep32 = np.float32(keep)
    thr = np.uint64(round(float(keep32) * (1 << 32)))
    kept = np.empty(2 * len(z), dtype=bool)
    kept[0::2] = (z & np.uint64(0xFFFFFFFF)) < thr
    kept[1::2] = (z >> np.uint64(32)) < thr
    return np.where(kept[:n], np.float32(1) / keep32, np.float32(0)).astype(np.float32)


AUGMENTATIONS = ["color", "translation", "cutout"]  # the order GAN Studio applies them in


def parse_augment(policy):
    """DiffAugment's policy as GAN Studio reads it (nn.ParseAugmentations)."""
    out = []
    for name in (policy or "").split(","):
        a = name.strip().lower()
        if not a:
            continue
        if a not in AUGMENTATIONS:
            raise SystemExit(f"augmentation {name!r} is unknown to the twin: it knows {', '.join(AUGMENTATIONS)}")
        if a not in out:
            out.append(a)
    return sorted(out, key=AUGMENTATIONS.index)


class Draws:
    """The random numbers of training, drawn as GAN Studio draws them
    (pcg: the run's Go PCG) or from PyTorch's generators (pcg None).

    Every process draws for the whole batch, in GAN Studio's order (the
    noise; then, as the graphs run, one dropout key per dropout layer run
    and each augmentation's parameters per image), and keeps the rows of
    its share, so that the stream stays the run's whatever the number of
    processes. Called as drop(x, training), it is dropout."""

    def __init__(self, keep, pcg=None, batch=None, rows=None, device="cpu"):
        self.keep, self.pcg, self.batch, self.rows, self.device = keep, pcg, batch, rows, device

    def noise(self, nz):
        if self.pcg is None:
            return torch.rand(len(self.rows), nz, device=self.device) * 2 - 1
        z = self.pcg.uniform(self.batch * nz).reshape(self.batch, nz)[self.rows]
        return torch.from_numpy(np.ascontiguousarray(z)).to(self.device)

    def __call__(self, x, training):
        if not training or self.keep >= 1:
            return x
        if self.pcg is None:
            return F.dropout(x, 1 - self.keep, True)
        per = x.numel() // x.shape[0]
        mask = go_dropout_mask(self.pcg.uint64(), self.batch * per, self.keep).reshape(self.batch, per)[self.rows]
        return x * torch.from_numpy(np.ascontiguousarray(mask)).to(x.device).view_as(x)

    def augment_params(self, policy, h, w):
        """Each image's parameters of one DiffAugment run (nn.augmentOp.draw):
        per image, brightness, saturation and contrast, then the shift, then
        the cutout's centre."""
        n = self.batch
        if self.pcg is None:
            n = len(self.rows)
            g = {}
            u = lambda lo, hi: lo + (hi - lo) * torch.rand(n)  # noqa: E731
            g["bright"], g["sat"], g["contrast"] = u(-0.5, 0.5), u(0.0, 2.0), u(0.5, 1.5)
            sy, sx = int(h / 8 + 0.5), int(w / 8 + 0.5)
            g["dy"], g["dx"] = torch.randint(-sy, sy + 1, (n,)), torch.randint(-sx, sx + 1, (n,))
            g["cy"], g["cx"] = torch.randint(0, h + 1, (n,)), torch.randint(0, w + 1, (n,))
            return g
        u = lambda lo, hi: np.float32(lo + (hi - lo) * (self.pcg.uint64() >> 11) / (1 << 53))  # noqa: E731
        intn = lambda k: self.pcg.uint64() % k  # noqa: E731
        sy, sx = int(h / 8 + 0.5), int(w / 8 + 0.5)
        p = {k: [] for k in ("bright", "sat", "contrast", "dy", "dx", "cy", "cx")}
        for _ in range(n):
            b, s, c, dy, dx, cy, cx = np.float32(0), np.float32(1), np.float32(1), 0, 0, 0, 0
            if "color" in policy:
                b, s, c = u(-0.5, 0.5), u(0, 2), u(0.5, 1.5)
            if "translation" in policy:
                dy, dx = intn(2 * sy + 1) - sy, intn(2 * sx + 1) - sx
            if "cutout" in policy:
                cy, cx = intn(h + 1), intn(w + 1)
            for k, v in zip(p, (b, s, c, dy, dx, cy, cx)):
                p[k].append(v)
        rows = np.asarray(self.rows)
        return {k: torch.from_numpy(np.asarray(v, dtype=np.float32 if k in ("bright", "sat", "contrast") else np.int64)[rows]) for k, v in p.items()}


def diff_augment(x, policy, p):
    """DiffAugment as GAN Studio applies it (model/nn/augment.go), with
    each image's parameters p: colour (brightness, saturation, contrast),
    then the shift with zeros where there is no pixel, then the cutout
    square of half the image's side. Every step is differentiable."""
    if not policy:
        return x
    n, c, h, w = x.shape
    dev = x.device
    col = lambda v: v.to(dev)[:, None, None, None]  # noqa: E731
    if "color" in policy:
        x = x + col(p["bright"])
        m = x.mean(1, keepdim=True)
        x = (x - m) * col(p["sat"]) + m
        mu = x.mean((1, 2, 3), keepdim=True)
        x = (x - mu) * col(p["contrast"]) + mu
    if "translation" in policy:
        sy, sx = int(h / 8 + 0.5), int(w / 8 + 0.5)
        xp = F.pad(x, (sx, sx, sy, sy))
        iy = torch.arange(h, device=dev)[None, :] + p["dy"].to(dev)[:, None] + sy  # [n, h]
        ix = torch.arange(w, device=dev)[None, :] + p["dx"].to(dev)[:, None] + sx  # [n, w]
        x = xp[torch.arange(n, device=dev)[:, None, None, None], torch.arange(c, device=dev)[None, :, None, None],
               iy[:, None, :, None], ix[:, None, None, :]]
    if "cutout" in policy:
        sh, sw = int(h / 2 + 0.5), int(w / 2 + 0.5)
        cy, cx = p["cy"].to(dev), p["cx"].to(dev)
        ys, xs = torch.arange(h, device=dev)[None, :], torch.arange(w, device=dev)[None, :]
        iny = (ys >= (cy - sh // 2).clamp(min=0)[:, None]) & (ys < (cy + sh // 2).clamp(max=h)[:, None])  # [n, h]
        inx = (xs >= (cx - sw // 2).clamp(min=0)[:, None]) & (xs < (cx + sw // 2).clamp(max=w)[:, None])  # [n, w]
        x = x * (~(iny[:, :, None] & inx[:, None, :]))[:, None].to(x.dtype)
    return x


# ---------------------------------------------------------------- the networks


def same_pads(size, k, stride):
    """TensorFlow's 'same' padding of a convolution: (before, after)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


class SpectralNorm:
    """Spectral normalisation as GAN Studio runs it (model/spectral.go):
    the layer reads W/σ with σ = uᵀWv, W seen as [dim 0, the rest]; u and
    v are constants of an iteration (so the gradient flows through σ, as in
    Miyato et al.'s code), and one power iteration at the start of each
    training iteration moves them. They are buffers, sn_u and sn_v, saved
    with the weights. torch.nn.utils.spectral_norm would iterate on every
    forward, three times an iteration here."""

    def init_spectral(self, on):
        self.spectral = on
        if on:
            rows = self.weight.shape[0]
            self.register_buffer("sn_u", torch.zeros(rows))
            self.register_buffer("sn_v", torch.zeros(self.weight[0].numel()))

    def normalized(self):
        if not self.spectral:
            return self.weight
        w = self.weight
        return w / torch.dot(self.sn_u, w.flatten(1) @ self.sn_v)

    @torch.no_grad()
    def power_iteration(self):
        w = self.weight.flatten(1)
        self.sn_v.copy_(F.normalize(w.t() @ self.sn_u, dim=0, eps=1e-12))
        self.sn_u.copy_(F.normalize(w @ self.sn_v, dim=0, eps=1e-12))


class Conv(nn.Conv2d, SpectralNorm):
    """A convolution with TensorFlow's 'same' padding."""

    def __init__(self, cin, cout, k, stride, bias=True, spectral=False):
        super().__init__(cin, cout, k, stride, bias=bias)
        self.init_spectral(spectral)

    def forward(self, x):
        (t, b), (l, r) = same_pads(x.shape[2], self.kernel_size[0], self.stride[0]), same_pads(x.shape[3], self.kernel_size[1], self.stride[1])
        return F.conv2d(F.pad(x, (l, r, t, b)), self.normalized(), self.bias, self.stride)


class Linear(nn.Linear, SpectralNorm):
    def __init__(self, cin, cout, spectral=False):
        super().__init__(cin, cout)
        self.init_spectral(spectral)

    def forward(self, x):
        return F.linear(x, self.normalized(), self.bias)


class Embedding(nn.Embedding, SpectralNorm):
    def __init__(self, k, f, spectral=False):
        super().__init__(k, f)
        self.init_spectral(spectral)


class ConvT(nn.ConvTranspose2d):
    """A transposed convolution with TensorFlow's 'same' (output = input ×
    stride) or 'valid' padding: the full output, cropped as TF crops it."""

    def __init__(self, cin, cout, k, stride, same, bias):
        super().__init__(cin, cout, k, stride, bias=bias)
        self.same = same

    def forward(self, x):
        y = F.conv_transpose2d(x, self.weight, self.bias, self.stride)
        if not self.same:
            return y
        h, w = x.shape[2] * self.stride[0], x.shape[3] * self.stride[1]
        t, l = (y.shape[2] - h) // 2, (y.shape[3] - w) // 2
        return y[:, :, t:t + h, l:l + w]


class BatchNorm(nn.BatchNorm2d):
    """BatchNorm as GAN Studio (and TensorFlow) run it: the running variance
    follows the biased batch variance, with decay (= 1 − momentum)."""

    def forward(self, x):
        if not self.training:
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps)
        mean = x.mean((0, 2, 3))
        var = x.var((0, 2, 3), unbiased=False)
        with torch.no_grad():
            self.running_mean.mul_(1 - self.momentum).add_(mean.detach() * self.momentum)
            self.running_var.mul_(1 - self.momentum).add_(var.detach() * self.momentum)
            self.num_batches_tracked += 1
        inv = torch.rsqrt(var + self.eps)
        return (x - mean[None, :, None, None]) * (self.weight * inv)[None, :, None, None] + self.bias[None, :, None, None]


class Generator(nn.Module):
    def __init__(self, m):
        super().__init__()
        w, k, bn = m["width"], m.get("classes", 0), dict(eps=m["batchnorm_epsilon"], momentum=1 - m["batchnorm_decay"])
        self.m, self.w = m, w
        if m["image_size"] == 64:  # Radford et al.'s generator
            self.project = nn.Linear(m["noise_size"] + k, 16 * w, bias=False)
            self.bn0 = BatchNorm(w, **bn)
            self.up1, self.bn1 = ConvT(w, w // 2, 4, 2, True, False), BatchNorm(w // 2, **bn)
            self.up2, self.bn2 = ConvT(w // 2, w // 4, 4, 2, True, False), BatchNorm(w // 4, **bn)
            self.up3, self.bn3 = ConvT(w // 4, w // 8, 4, 2, True, False), BatchNorm(w // 8, **bn)
            self.to_image = ConvT(w // 8, m["channels"], 4, 2, True, True)
            return
        cifar = m["image_size"] == 32
        self.project = nn.Linear(m["noise_size"] + k, 16 * w, bias=False)
        self.bn0 = BatchNorm(w, **bn)
        self.up1 = ConvT(w, w // 2, 4, 2 if cifar else 1, cifar, False)
        self.bn1 = BatchNorm(w // 2, **bn)
        self.up2 = ConvT(w // 2, w // 4, 3, 2, True, False)
        self.bn2 = BatchNorm(w // 4, **bn)
        self.to_image = ConvT(w // 4, m["channels"], 3, 2, True, True)

    def forward(self, z, y, drop):
        act = lambda x: drop(F.leaky_relu(x, self.m["leaky_relu_alpha"]), self.training)  # noqa: E731
        if y is not None:
            z = torch.cat([z, y], 1)                      # [n, nz+K]
        x = self.project(z).view(-1, self.w, 4, 4)        # [n, w, 4, 4]
        if self.m["image_size"] == 64:
            x = F.relu(self.bn0(x))                       # [n, w, 4, 4]
            x = F.relu(self.bn1(self.up1(x)))             # [n, w/2, 8, 8]
            x = F.relu(self.bn2(self.up2(x)))             # [n, w/4, 16, 16]
            x = F.relu(self.bn3(self.up3(x)))             # [n, w/8, 32, 32]
            return torch.tanh(self.to_image(x))           # [n, c, 64, 64]
        x = act(self.bn0(x))                              # [n, w, 4, 4]
        x = act(self.bn1(self.up1(x)))                    # [n, w/2, 7, 7]   (CIFAR: 8×8)
        x = act(self.bn2(self.up2(x)))                    # [n, w/4, 14, 14] (CIFAR: 16×16)
        return torch.tanh(self.to_image(x))               # [n, c, 28, 28]   (CIFAR: 32×32)


class Discriminator(nn.Module):
    def __init__(self, m):
        super().__init__()
        w, k, bn = m["width"], m.get("classes", 0), dict(eps=m["batchnorm_epsilon"], momentum=1 - m["batchnorm_decay"])
        sn = bool(m.get("spectral_norm"))
        # A spectrally normalised D has a bias where the seed's has BatchNorm.
        hidden = lambda cin, cout, kk: (Conv(cin, cout, kk, 2, bias=sn, spectral=sn),  # noqa: E731
                                        nn.Identity() if sn else BatchNorm(cout, **bn))
        self.m = m
        if m["image_size"] == 64:  # Radford et al.'s discriminator
            self.conv1 = Conv(m["channels"], w // 8, 4, 2, spectral=sn)
            self.conv2, self.bn2 = hidden(w // 8, w // 4, 4)
            self.conv3, self.bn3 = hidden(w // 4, w // 2, 4)
            self.conv4, self.bn4 = hidden(w // 2, w, 4)
        else:
            self.conv1 = Conv(m["channels"], w // 4, 3, 2, spectral=sn)
            self.conv2, self.bn2 = hidden(w // 4, w // 2, 3)
            self.conv3, self.bn3 = hidden(w // 2, w, 3)
        self.classify = Linear(16 * w, 1, spectral=sn)
        self.embed = Embedding(k, 16 * w, spectral=sn) if k else None

    def power_iteration(self):
        """One power iteration of every spectrally normalised layer."""
        for mod in self.modules():
            if isinstance(mod, SpectralNorm) and mod.spectral:
                mod.power_iteration()

    def forward(self, img, y, drop):
        act = lambda x: drop(F.leaky_relu(x, self.m["leaky_relu_alpha"]), self.training)  # noqa: E731
        x = act(self.conv1(img))                          # [n, w/4, 14, 14] (CIFAR: 16×16; 64×64: w/8, 32×32)
        x = act(self.bn2(self.conv2(x)))                  # [n, w/2, 7, 7]   (CIFAR: 8×8; 64×64: w/4, 16×16)
        x = act(self.bn3(self.conv3(x)))                  # [n, w, 4, 4]     (64×64: w/2, 8×8)
        if self.m["image_size"] == 64:
            x = act(self.bn4(self.conv4(x)))              # [n, w, 4, 4]
        x = x.flatten(1)                                  # [n, 16w]
        logit = self.classify(x)                          # [n, 1]
        if y is None:
            return logit
        return logit + (x * (y @ self.embed.normalized())).sum(1, keepdim=True)  # + ⟨embed(y), features⟩


# ---------------------------------------------------------------- objective and optimiser


def loss_terms(kind, r):
    """D's loss on real logits, D's on fake logits, G's on fake logits."""
    bce = lambda d, t: F.binary_cross_entropy_with_logits(d, torch.full_like(d, t))  # noqa: E731
    if kind == "hinge":
        return (lambda d: F.relu(1 - d).mean()), (lambda d: F.relu(1 + d).mean()), (lambda d: -d.mean())
    if kind == "ls":
        return (lambda d: 0.5 * ((d - r) ** 2).mean()), (lambda d: 0.5 * (d ** 2).mean()), (lambda d: 0.5 * ((d - r) ** 2).mean())
    return (lambda d: bce(d, r)), (lambda d: bce(d, 0.0)), (lambda d: bce(d, r))


class TFAdam:
    """TensorFlow's Adam, whose state GAN Studio saves: the bias
    corrections are folded into the step size, and epsilon is added to
    sqrt(v) without correction ("epsilon hat")."""

    def __init__(self, module, lr, b1, b2, state, steps, eps=1e-8):
        self.params = list(module.named_parameters())
        self.lr, self.b1, self.b2, self.eps, self.steps = lr, b1, b2, eps, steps
        self.m = {n: state[n + ".exp_avg"].clone() for n, _ in self.params}
        self.v = {n: state[n + ".exp_avg_sq"].clone() for n, _ in self.params}

    @torch.no_grad()
    def step(self):
        self.steps += 1
        t = self.steps
        lr = self.lr * math.sqrt(1 - self.b2 ** t) / (1 - self.b1 ** t)
        for n, p in self.params:
            g, m, v = p.grad, self.m[n], self.v[n]
            m.mul_(self.b1).add_(g, alpha=1 - self.b1)
            v.mul_(self.b2).addcmul_(g, g, value=1 - self.b2)
            p.sub_(lr * m / (v.sqrt() + self.eps))

    def state(self):
        out = {}
        for n, _ in self.params:
            out[n + ".exp_avg"], out[n + ".exp_avg_sq"] = self.m[n], self.v[n]
        return out


# ---------------------------------------------------------------- a run

# The keys of GAN Studio's configuration (training/config.go, model/config.go)
# and what the twin does with each: every one is read, or named here as what
# the twin leaves to GAN Studio. A key not listed is refused.
MODEL_KEYS = {"image_size", "channels", "noise_size", "width", "leaky_relu_alpha", "dropout_keep_prob",
              "batchnorm_decay", "batchnorm_epsilon", "loss", "augment", "classes", "spectral_norm"}
RUN_KEYS = {"preset", "model", "data", "batch_size", "epochs", "steps", "learn_rate_g", "learn_rate_d", "beta1",
            "beta2", "label_smoothing", "ema_decay", "conditional", "class_names", "train_classes", "sample_every",
            "checkpoint_every", "keep_checkpoints", "on_diverge", "seed",
            # GAN Studio's alone: the twin measures no sample quality and saves by step, not by the clock.
            "metrics_every", "metrics_samples", "autosave_seconds"}
LOSSES = {"", "bce", "hinge", "ls"}
PREVIEW_SAMPLES = 25


def check_config(cfg):
    """Refuses, in one line, a configuration the twin cannot train as GAN Studio would."""
    for k in cfg:
        if k not in RUN_KEYS:
            raise SystemExit(f"config.json: setting {k!r} is one the twin does not know: continue this run in GAN Studio")
    for k in cfg["model"]:
        if k not in MODEL_KEYS:
            raise SystemExit(f"config.json: model setting {k!r} is one the twin does not know: continue this run in GAN Studio")
    m = cfg["model"]
    if (m.get("loss") or "") not in LOSSES:
        raise SystemExit(f"config.json: objective {m['loss']!r} is one the twin does not implement (it has bce, hinge and ls)")
    if m["image_size"] not in (28, 32, 64) or m["channels"] not in (1, 3):
        raise SystemExit(f"config.json: {m['image_size']}×{m['image_size']}×{m['channels']} images: the twin builds 28, 32 and 64 pixels, grey or colour")
    parse_augment(m.get("augment"))


class Run:
    """An exported run: configuration, networks, optimisers."""

    def __init__(self, folder):
        self.folder = folder
        with open(os.path.join(folder, "config.json")) as f:
            self.meta = json.load(f)
        if self.meta.get("format") != "ganstudio-torch":
            raise SystemExit(f"{folder}/config.json is not a GAN Studio export (format {self.meta.get('format')!r})")
        self.cfg = self.meta["config"]
        check_config(self.cfg)
        m = self.cfg["model"]
        self.augment = parse_augment(m.get("augment"))
        load = lambda name: load_safetensors(os.path.join(folder, name + ".safetensors"))  # noqa: E731
        self.G, self.D = Generator(m), Discriminator(m)
        self.G.load_state_dict(load("generator"))
        self.D.load_state_dict(load("discriminator"))
        self.ema = None
        if self.cfg.get("ema_decay", 0) > 0:
            self.ema = Generator(m)
            self.ema.load_state_dict(load("generator_ema"))
            self.ema.eval()
        c = self.cfg
        self.opt_g = TFAdam(self.G, c["learn_rate_g"], c["beta1"], c["beta2"], load("optimizer_g"), self.meta["adam_steps_g"])
        self.opt_d = TFAdam(self.D, c["learn_rate_d"], c["beta1"], c["beta2"], load("optimizer_d"), self.meta["adam_steps_d"])
        self.step = self.meta["step"]
        self.classes = m.get("classes", 0)
        self.kind = m.get("loss") or "bce"
        self.on_real, self.on_fake, self.for_g = loss_terms(self.kind, 1 - c["label_smoothing"])

    def to(self, device):
        for net in (self.G, self.D, self.ema):
            if net is not None:
                net.to(device)
        for opt in (self.opt_g, self.opt_d):
            for d in (opt.m, opt.v):
                for k in d:
                    d[k] = d[k].to(device)

    def onehot(self, labels):
        if not self.classes:
            return None
        return F.one_hot(labels, self.classes).float()

    def verdict(self, logits):
        """D's logits as the [0, 1] score GAN Studio's curves show (Loss.verdict)."""
        if self.kind == "ls":
            return logits.clamp(0, 1)
        return torch.sigmoid(logits)

    def iterate(self, real, z, y, draws, world=1):
        """One iteration, as GAN Studio's trainer runs it. Returns (D loss,
        G loss, mean D(x), mean D(G(z))) of this process's share."""
        self.G.train()
        self.D.train()
        h, w = real.shape[2], real.shape[3]
        aug = lambda x: diff_augment(x, self.augment, draws.augment_params(self.augment, h, w)) if self.augment else x  # noqa: E731
        # ---- spectral norm (SN runs): one power iteration re-estimates σ of D's weights ----
        self.D.power_iteration()
        # ---- update G: make D call the fakes real (D sees them augmented) ----
        self.G.zero_grad(set_to_none=True)
        g_loss = self.for_g(self.D(aug(self.G(z, y, draws)), y, draws))
        g_loss.backward()
        average_gradients(self.G, world)
        self.opt_g.step()
        # ---- update D: tell the real batch from fresh fakes of the same noise ----
        self.D.zero_grad(set_to_none=True)
        with torch.no_grad():
            fake = self.G(z, y, draws)
        real_logits = self.D(aug(real), y, draws)
        fake_logits = self.D(aug(fake), y, draws)
        d_loss = self.on_real(real_logits) + self.on_fake(fake_logits)
        d_loss.backward()
        average_gradients(self.D, world)
        self.opt_d.step()
        # ---- average G (EMA runs) ----
        self.step += 1
        if self.ema is not None:
            d = min(self.cfg["ema_decay"], (1 + self.step) / (10 + self.step))
            with torch.no_grad():
                for a, b in zip(self.ema.parameters(), self.G.parameters()):
                    a.mul_(d).add_(b, alpha=1 - d)
                for name, buf in self.ema.named_buffers():
                    if name.endswith(("running_mean", "running_var")):
                        buf.mul_(d).add_(dict(self.G.named_buffers())[name], alpha=1 - d)
        with torch.no_grad():
            return d_loss.item(), g_loss.item(), self.verdict(real_logits).mean().item(), self.verdict(fake_logits).mean().item()

    def preview(self, device):
        """The run's preview grid (training.Generator.Grid): the averaged G
        (EMA runs) in inference mode on the run's fixed preview noise, a
        conditional run's row r of the r-th class trained on."""
        m = self.cfg["model"]
        g = self.ema if self.ema is not None else self.G
        was = g.training
        g.eval()
        z = torch.tensor(self.meta["preview_noise"], dtype=torch.float32, device=device).view(PREVIEW_SAMPLES, m["noise_size"])
        y = None
        if self.classes:
            trained = self.cfg.get("train_classes") or list(range(self.classes))
            y = self.onehot(torch.tensor([trained[(i // 5) % len(trained)] for i in range(PREVIEW_SAMPLES)], device=device))
        with torch.no_grad():
            out = g(z, y, Draws(1)).cpu().numpy()
        g.train(was)
        return grid_image(out, 5)

    def save(self, folder, processes, rng=None, data_file=None):
        os.makedirs(folder, exist_ok=True)
        for name, sd in (("generator", self.G.state_dict()), ("discriminator", self.D.state_dict()),
                         ("optimizer_g", self.opt_g.state()), ("optimizer_d", self.opt_d.state())):
            save_safetensors(os.path.join(folder, name + ".safetensors"), sd)
        if self.ema is not None:
            save_safetensors(os.path.join(folder, "generator_ema.safetensors"), self.ema.state_dict())
        meta = dict(self.meta, step=self.step, adam_steps_g=self.opt_g.steps, adam_steps_d=self.opt_d.steps,
                    trained_by=f"PyTorch twin {torch.__version__}, {processes} process(es)")
        for k in ("history", "data_file"):
            meta.pop(k, None)
        meta["tensors"] = {k: v for k, v in meta.get("tensors", {}).items() if k != "data"}
        if rng is not None:
            meta["rng"] = base64.b64encode(rng).decode()
        if data_file is not None:
            meta["data_file"] = data_file
        write_atomic(os.path.join(folder, "config.json"), json.dumps(meta, indent=1).encode())


def average_gradients(module, world):
    """What DistributedDataParallel does before each update."""
    if world == 1:
        return
    for p in module.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad /= world


# ---------------------------------------------------------------- pictures


def to_bytes(x):
    """Images in [-1, 1] as bytes, (x+1)/2·255 rounded (training.toByte)."""
    v = (x.astype(np.float32) + np.float32(1)) / np.float32(2) * np.float32(255)
    out = np.floor(v + np.float32(0.5))
    out = np.where(v >= 255, 255, out)
    out = np.where(v > 0, out, 0)  # also NaN
    return out.astype(np.uint8)


def grid_image(images, cols):
    """Images [n, c, s, s] in [-1, 1] laid out in rows of cols with a
    one-pixel gap on dark grey (training.GridImage): [H, W, 3] bytes."""
    n, c, s, _ = images.shape
    rows = (n + cols - 1) // cols
    grid = np.full((rows * (s + 1) - 1, cols * (s + 1) - 1, 3), 0x30, dtype=np.uint8)
    px = to_bytes(images)
    for i in range(n):
        y0, x0 = (i // cols) * (s + 1), (i % cols) * (s + 1)
        grid[y0:y0 + s, x0:x0 + s] = np.repeat(px[i], 3, 0).transpose(1, 2, 0) if c == 1 else px[i].transpose(1, 2, 0)
    return grid


def png_bytes(rgb):
    """An 8-bit RGB PNG of rgb [H, W, 3]."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


# ---------------------------------------------------------------- data


def go_modcache():
    try:
        return subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return os.path.expanduser("~/go/pkg/mod")


FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


class Data:
    """The training images as bytes [N, C, S, S] in GAN Studio's order,
    their labels (-1: none), the class names, and where they came from."""

    def __init__(self, images, labels, classes, source):
        self.images, self.labels, self.classes, self.source = images, labels, classes, source

    def batch(self, idx, device):
        """Images idx in [-1, 1] as GAN Studio's Fill maps them (v/127.5 − 1) and their labels."""
        x = LUT[self.images[idx]]
        return torch.from_numpy(x).to(device), torch.from_numpy(self.labels[idx]).to(device)


LUT = np.arange(256, dtype=np.float32) / np.float32(127.5) - np.float32(1)


def read_data_file(path, why):
    """A data.safetensors written by `ganstudio export`."""
    t, meta = read_safetensors(path)
    if meta.get("format") != "ganstudio-data" or "images" not in t or t["images"].dtype != np.uint8 or t["images"].ndim != 4:
        raise SystemExit(f"{path} is not a GAN Studio data file (write one with ganstudio export)")
    images = t["images"]
    labels = t["labels"].astype(np.int64) if "labels" in t else np.full(len(images), -1, dtype=np.int64)
    return Data(images, labels, json.loads(meta.get("classes") or "null") or [], f"{path} ({why}; {meta.get('source', '')})")


def read_idx(folder, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            with (gzip.open if name.endswith(".gz") else open)(path, "rb") as f:
                return f.read()
    raise SystemExit(f"{folder}: no {stem}[.gz]; give the data set's folder or data file with --data")


def read_idx_data(spec, folder):
    """MNIST or Fashion-MNIST from idx files, as GAN Studio reads them:
    TF's held-out images first removed, then the class filter."""
    if (spec.get("Split") or "train").lower() != "train":
        raise SystemExit(f"data set split {spec['Split']!r}: the twin reads the training split's idx files; export the run with --data")
    img = read_idx(folder, "train-images-idx3-ubyte")
    lab = read_idx(folder, "train-labels-idx1-ubyte")
    n = struct.unpack(">I", img[4:8])[0]
    x = np.frombuffer(img[16:], dtype=np.uint8).reshape(n, 1, 28, 28)
    y = np.frombuffer(lab[8:], dtype=np.uint8).astype(np.int64)
    hold = spec.get("HoldOut", 0)
    x, y = x[hold:], y[hold:]
    names = FASHION if spec.get("Name") == "fashion-mnist" else [str(i) for i in range(10)]
    keep = spec.get("Classes")
    if keep:
        low = [c.lower() for c in names]
        idx = [low.index(c.lower()) if c.lower() in low else int(c) if str(c).isdigit() and int(c) < 10 else None for c in keep]
        if None in idx:
            raise SystemExit(f"class filter {keep}: the twin knows MNIST's classes by number and Fashion-MNIST's by name")
        sel = np.isin(y, idx)
        x, y = x[sel], y[sel]
    return Data(x, y, names, f"idx files in {folder}")


def open_data(run, given):
    """The images to train on: --data (a data file, or a folder of idx
    files), the export's data.safetensors, the data file a twin checkpoint
    names, or MNIST's and Fashion-MNIST's idx files where GAN Studio finds
    them."""
    spec, m = run.cfg["data"], run.cfg["model"]
    if given and os.path.isfile(given):
        d = read_data_file(given, "--data")
    elif given:
        d = read_idx_data(spec, given)
    elif os.path.exists(os.path.join(run.folder, "data.safetensors")):
        d = read_data_file(os.path.join(run.folder, "data.safetensors"), "the export's")
    elif (run.meta.get("data_file") or {}).get("file", "").startswith("/") and os.path.exists(run.meta["data_file"]["file"]):
        d = read_data_file(run.meta["data_file"]["file"], "the data file this checkpoint was trained on")
    elif spec.get("Name") in ("mnist", "fashion-mnist") and not spec.get("Path"):
        folder = os.path.join(go_modcache(), "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63/data") \
            if spec["Name"] == "mnist" else "/usr/share/datasets/fashion-mnist"
        d = read_idx_data(spec, folder)
    else:
        what = spec.get("Path") or spec.get("Name")
        raise SystemExit(f"data set {what!r}: the export holds no data.safetensors: export it with `ganstudio export --data` "
                         f"(the default), or give the twin a data file with --data FILE")
    shape = (m["channels"], m["image_size"], m["image_size"])
    if d.images.shape[1:] != shape:
        raise SystemExit(f"{d.source}: images are {'×'.join(map(str, d.images.shape[1:]))}, the network takes {'×'.join(map(str, shape))}")
    if len(d.images) < run.cfg["batch_size"]:
        raise SystemExit(f"{d.source}: {len(d.images)} images, fewer than one batch of {run.cfg['batch_size']}")
    if run.classes:
        names = run.cfg.get("class_names") or []
        if names and d.classes and list(d.classes) != list(names):
            raise SystemExit(f"{d.source}: classes {d.classes}, but the run is conditional on {names}")
        if d.labels.min() < 0 or d.labels.max() >= run.classes:
            raise SystemExit(f"{d.source}: some images have no class of the {run.classes}: a conditional run needs every image labelled")
    return d


# ---------------------------------------------------------------- the run folder


LOSSES_HEADER = "step,epoch,d_loss,g_loss,d_real,d_fake,images_per_sec"


def g6(x):
    return "%.6g" % x


def read_loss_rows(path, upto):
    """losses.csv's rows of steps up to upto (a torn last line is dropped)."""
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f.read().splitlines()[1:]:
            cells = line.split(",")
            try:
                if len(cells) == 7 and int(float(cells[0])) <= upto:
                    rows.append(line)
            except ValueError:
                pass
    return rows


class RunFolder:
    """The twin's output: a run folder in GAN Studio's layout
    (training/rundir.go). It starts with the run's history up to the
    export's step: the rows and grids already in the folder (continuing a
    run folder), else the export's losses.csv and grids/, else those of
    the run folder the export is a checkpoint of."""

    def __init__(self, path, run, started):
        self.path = path
        os.makedirs(os.path.join(path, "grids"), exist_ok=True)
        os.makedirs(os.path.join(path, "checkpoints"), exist_ok=True)
        step = run.step
        sources = [path, run.folder]
        parent = os.path.dirname(os.path.abspath(run.folder))
        if os.path.basename(parent) == "checkpoints":
            sources.append(os.path.dirname(parent))
        rows = []
        for src in sources:
            if os.path.exists(os.path.join(src, "losses.csv")):
                rows = read_loss_rows(os.path.join(src, "losses.csv"), step)
                if os.path.abspath(src) != os.path.abspath(path):
                    for name in sorted(os.listdir(os.path.join(src, "grids"))) if os.path.isdir(os.path.join(src, "grids")) else []:
                        if name.startswith("step-") and name.endswith(".png") and name[5:-4].isdigit() and int(name[5:-4]) <= step:
                            shutil.copyfile(os.path.join(src, "grids", name), os.path.join(path, "grids", name))
                break
        cfg = dict(run.cfg)
        write_atomic(os.path.join(path, "config.json"), (json.dumps(cfg, indent=2) + "\n").encode())
        self.losses = open(os.path.join(path, "losses.csv"), "w")
        self.losses.write(LOSSES_HEADER + "\n" + "".join(r + "\n" for r in rows))
        self.losses.flush()
        self.log(step, started)

    def row(self, step, epoch, d_loss, g_loss, d_real, d_fake, per_sec):
        self.losses.write(f"{step},{epoch},{g6(d_loss)},{g6(g_loss)},{g6(d_real)},{g6(d_fake)},{per_sec:.1f}\n")
        self.losses.flush()

    def grid(self, step, rgb):
        write_atomic(os.path.join(self.path, "grids", f"step-{step:07d}.png"), png_bytes(rgb))

    def checkpoint(self, step):
        return os.path.join(self.path, "checkpoints", f"step-{step:07d}")

    def prune(self, keep, mine):
        """Deletes the oldest of the checkpoints this twin wrote beyond keep (0: keep all)."""
        while keep > 0 and len(mine) > keep:
            shutil.rmtree(mine.pop(0), ignore_errors=True)

    def log(self, step, text):
        with open(os.path.join(self.path, "log.txt"), "a") as f:
            f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')}  step {step}  {text}\n")

    def close(self):
        self.losses.close()


# ---------------------------------------------------------------- commands


def cmd_train(a):
    world, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if a.device == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit("--device cuda: PyTorch sees no GPU here (torch.cuda.is_available() is False)")
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
    else:
        device = torch.device(a.device)
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    torch.set_num_threads(a.threads)
    run = Run(a.checkpoint)
    run.to(device)
    cfg = run.cfg
    batch = cfg["batch_size"]
    if batch % world:
        raise SystemExit(f"batch size {batch} does not split between {world} processes: use a number of processes that divides it")
    data = open_data(run, a.data)
    per_epoch = len(data.images) // batch
    start, end = run.step, run.step + a.steps
    rows = list(range(rank, batch, world))  # this process's share of each batch
    pcg = GoPCG(base64.b64decode(run.meta["rng"])) if a.rng == "go" else None
    draws = Draws(cfg["model"]["dropout_keep_prob"], pcg, batch, rows, device)
    if pcg is None:
        torch.manual_seed(cfg["seed"] * 7919 + rank * 104729 + run.step)
    nz = cfg["model"]["noise_size"]
    every_grid = a.sample_every or cfg.get("sample_every") or 0
    every_ckpt = a.checkpoint_every if a.checkpoint_every is not None else cfg.get("checkpoint_every", 0)
    if a.steps > 0 and cfg.get("steps", 0) and end > cfg["steps"]:
        cfg["steps"] = end  # the run is now this long; GAN Studio's window counts to it
    data_file = None
    if a.data and os.path.isfile(a.data):
        data_file = dict(file=os.path.abspath(a.data), images=len(data.images))
    elif os.path.exists(os.path.join(run.folder, "data.safetensors")):
        data_file = dict(file=os.path.abspath(os.path.join(run.folder, "data.safetensors")), images=len(data.images))
    elif run.meta.get("data_file"):
        data_file = run.meta["data_file"]
    out = None
    if rank == 0:
        how = f"PyTorch twin {torch.__version__}: continued from {os.path.abspath(a.checkpoint)} on {world} process(es), " \
              f"{device.type}, random numbers from {'the run (Go PCG)' if pcg else 'PyTorch'}; data: {data.source}"
        out = RunFolder(a.out, run, how)
        print(how, flush=True)
    order, perm = -1, None
    rate, saved = 0.0, []
    while run.step < end:
        epoch, i = divmod(run.step, per_epoch)
        if epoch != order:
            perm, order = go_permutation(len(data.images), cfg["seed"], epoch), epoch
        began = time.time()
        idx = perm[i * batch:(i + 1) * batch][rows]
        real, labels = data.batch(idx, device)
        z = draws.noise(nz)
        stats = run.iterate(real, z, run.onehot(labels), draws, world)
        if world > 1:
            t = torch.tensor(stats, dtype=torch.float64, device=device)
            dist.all_reduce(t)
            stats = (t / world).tolist()
        d_loss, g_loss, d_real, d_fake = stats
        if not (math.isfinite(d_loss) and math.isfinite(g_loss)):
            if rank == 0:
                out.log(run.step, f"failed: training diverged at step {run.step} (D loss {d_loss}, G loss {g_loss}); "
                                  "the newest checkpoint is the last good one (GAN Studio's rollback is its own: resume there)")
            raise SystemExit(f"training diverged at step {run.step} (D loss {d_loss}, G loss {g_loss}): resume from the newest checkpoint with lower learning rates")
        took = max(time.time() - began, 1e-9)
        rate = batch / took if rate == 0 else 0.9 * rate + 0.1 * batch / took
        if rank != 0:
            continue
        out.row(run.step, epoch + 1, d_loss, g_loss, d_real, d_fake, rate)
        if run.step % a.log_every == 0 or run.step == end:
            print(f"step {run.step}/{end}  D loss {d_loss:.3f}  G loss {g_loss:.3f}  {rate:.0f} images/s", flush=True)
        if (every_grid and run.step % every_grid == 0) or run.step == end:
            out.grid(run.step, run.preview(device))
        if run.step == end or (every_ckpt and run.step % every_ckpt == 0):
            folder = out.checkpoint(run.step)
            run.save(folder, world, pcg.state() if pcg else None, data_file)
            saved.append(folder)
            out.prune(cfg.get("keep_checkpoints", 0), saved)
            out.log(run.step, f"checkpoint {folder}")
            print(f"checkpoint {folder}", flush=True)
    if rank == 0:
        out.log(run.step, "finished")
        out.close()
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


def cmd_replay(a):
    """One iteration on the batch in --inputs, with GAN Studio's noise,
    dropout masks and augmentations drawn from the export's random state.
    With the export's data file, the twin's own batch for the step is
    compared with the one given."""
    torch.set_num_threads(a.threads)
    run = Run(a.checkpoint)
    inputs = load_safetensors(a.inputs)
    pcg = GoPCG(base64.b64decode(run.meta["rng"]))
    real = inputs["real"]
    n, nz = real.shape[0], run.cfg["model"]["noise_size"]
    draws = Draws(run.cfg["model"]["dropout_keep_prob"], pcg, n, list(range(n)))
    batch_diff, labels_equal = None, None
    if os.path.exists(os.path.join(run.folder, "data.safetensors")):
        data = open_data(run, None)
        epoch, i = divmod(run.step, len(data.images) // n)
        idx = go_permutation(len(data.images), run.cfg["seed"], epoch)[i * n:(i + 1) * n]
        mine, labels = data.batch(idx, "cpu")
        batch_diff = (mine - real).abs().max().item()
        if "labels" in inputs:
            labels_equal = bool((labels == inputs["labels"]).all())
    z = draws.noise(nz)
    noise_diff = (z - inputs["noise"]).abs().max().item() if "noise" in inputs else None
    y = run.onehot(inputs["labels"]) if "labels" in inputs else None
    d_loss, g_loss, d_real, d_fake = run.iterate(real, z, y, draws)
    json.dump({"d_loss": d_loss, "g_loss": g_loss, "d_real": d_real, "d_fake": d_fake, "noise_max_diff": noise_diff,
               "batch_max_diff": batch_diff, "labels_equal": labels_equal, "step": run.step,
               "rng": base64.b64encode(pcg.state()).decode()}, sys.stdout)
    print()


def cmd_generate(a):
    run = Run(a.checkpoint)
    inputs = load_safetensors(a.noise)
    g = run.ema if (run.ema is not None and not a.trained) else run.G
    g.eval()
    y = run.onehot(inputs["labels"]) if "labels" in inputs else None
    with torch.no_grad():
        out = g(inputs["noise"], y, Draws(1))
    save_safetensors(a.out, {"images": out})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="continue an exported run")
    t.add_argument("--checkpoint", required=True, help="an export folder (config.json and safetensors files), or a checkpoint the twin wrote")
    t.add_argument("--steps", type=int, required=True, help="iterations to train")
    t.add_argument("--out", required=True, help="the run folder to write: GAN Studio's layout, checkpoints in checkpoints/step-NNNNNNN/")
    t.add_argument("--data", help="a data.safetensors (ganstudio export writes one; it may be of a larger folder) "
                                   "or a folder of MNIST-style idx files (default: the export's data file)")
    t.add_argument("--rng", choices=("go", "torch"), default="go",
                   help="go: the run's own random numbers, drawn as GAN Studio draws them (default); torch: PyTorch's, faster on GPUs")
    t.add_argument("--checkpoint-every", type=int, default=None, help="steps between checkpoints (default: the run's checkpoint_every; 0: at the end only)")
    t.add_argument("--sample-every", type=int, default=0, help="steps between preview grids (default: the run's sample_every)")
    t.add_argument("--log-every", type=int, default=10)
    t.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 2) // int(os.environ.get("WORLD_SIZE", "1"))))
    t.add_argument("--device", default="cpu", help="cpu, or cuda (one GPU per process under torchrun, with nccl)")
    r = sub.add_parser("replay", help="one iteration with GAN Studio's random numbers; prints the losses")
    r.add_argument("--checkpoint", required=True)
    r.add_argument("--inputs", required=True, help="safetensors with real [n,c,s,s], noise [n,nz] and, conditional, labels [n]")
    r.add_argument("--threads", type=int, default=2)
    g = sub.add_parser("generate", help="G in inference mode on given noise")
    g.add_argument("--checkpoint", required=True)
    g.add_argument("--noise", required=True, help="safetensors with noise [n,nz] and, conditional, labels [n]")
    g.add_argument("--out", required=True)
    g.add_argument("--trained", action="store_true", help="the trained G, not the average (EMA runs)")
    a = ap.parse_args()
    {"train": cmd_train, "replay": cmd_replay, "generate": cmd_generate}[a.cmd](a)


if __name__ == "__main__":
    main()
