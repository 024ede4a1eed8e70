#!/usr/bin/python3
"""Trains the seed DCGAN with PyTorch for a number of steps and writes N
samples as PNGs, so that GAN Studio's samples after the same steps can be
compared with ``ganstudio eval --images DIR``.

It reuses the PyTorch peer's networks (../shared/peer/dcgan_torch.py) and
follows the seed's training procedure: uniform noise in [-1, 1], G update
then D update on the same batch and noise, targets 0.9 for real (D) and
fake (G), Adam 1e-3 with beta1 0.4, batch 64, the 55,000 MNIST training
images after TF's 5,000 held out.

usage: scripts/torch_reference.py --steps 859 [--small] --out DIR [--n 1000]
"""
import argparse
import os
import sys
import zlib

import numpy as np
import torch
import torch.nn as nn

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "shared", "peer"))
import dcgan_torch as peer  # noqa: E402


def write_png(path, img):
    """Writes a 28x28 uint8 gray image without needing PIL."""
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(img.shape[0]))

    def chunk(kind, data):
        c = kind + data
        return len(data).to_bytes(4, "big") + c + zlib.crc32(c).to_bytes(4, "big")

    hdr = img.shape[1].to_bytes(4, "big") + img.shape[0].to_bytes(4, "big") + b"\x08\x00\x00\x00\x00"
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", hdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--small", action="store_true", help="lite widths 64/128/256")
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    widths = (64, 128, 256) if a.small else (128, 256, 512)
    x = peer.load_mnist(peer.MNIST_DIR)[5000:]
    G, D = peer.Generator(*widths), peer.Discriminator(*widths)
    optG = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.4, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.4, 0.999))
    bce = nn.BCEWithLogitsLoss()
    B, per_epoch = 64, x.shape[0] // 64
    perm = torch.randperm(x.shape[0])
    for step in range(a.steps):
        i = step % per_epoch
        if i == 0 and step > 0:
            perm = torch.randperm(x.shape[0])
        real = x[perm[i * B:(i + 1) * B]]
        z = torch.rand(B, peer.ZDIM) * 2 - 1
        # ---- update G ----
        optG.zero_grad()
        g_loss = bce(D(G(z)), torch.full((B, 1), 0.9))
        g_loss.backward()
        optG.step()
        # ---- update D ----
        optD.zero_grad()
        d_loss = bce(D(real), torch.full((B, 1), 0.9)) + bce(D(G(z).detach()), torch.zeros(B, 1))
        d_loss.backward()
        optD.step()
        if (step + 1) % 100 == 0:
            print(f"step {step + 1}/{a.steps}  D loss {d_loss.item():.3f}  G loss {g_loss.item():.3f}", flush=True)
    G.eval()
    os.makedirs(a.out, exist_ok=True)
    with torch.no_grad():
        imgs = G(torch.rand(a.n, peer.ZDIM) * 2 - 1)
    imgs = ((imgs.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()
    for k in range(a.n):
        write_png(os.path.join(a.out, f"sample-{k:05d}.png"), imgs[k, 0])
    print(f"wrote {a.n} samples to {a.out}")


if __name__ == "__main__":
    main()
