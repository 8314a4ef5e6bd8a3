#!/usr/bin/env python3
"""Hydra's trainer: trains a compact plot CNN on a Hydra dataset directory and exports ONNX.

Usage: hydra_trainer.py --dataset DIR --out DIR [--params JSON | --params-file FILE] [--device auto|cpu|cuda]
                        [--backbone FILE [--fine-tune-blocks N]] [--save-backbone FILE]
                        [--parent FILE] [--save-weights FILE]

With --parent (the weights another run wrote with --save-weights: the model being retrained), every block starts
from the parent's weights and trains, and so does the head when the parent has the same labels in the same order;
a parent of another architecture (widths, channels) is not used, and the run trains as it would without it. With
--backbone too, the parent's weights take the backbone's place: its first blocks stay frozen, the rest train on from
where the parent left them. info.json says what was loaded ("parent").

With --backbone, the convolutional blocks start from a shipped backbone (models/backbone/, trained by this
same program with --save-backbone on generated plots of every plot type): the first blocks stay frozen, the
last --fine-tune-blocks (default 1) and the linear head are trained on features computed once, which takes
seconds where training every block from scratch takes minutes. The exported ONNX is the whole network, so
inference and `hydra models import` see no difference.

The dataset (dataset.json + pixels.u8, written by src/training/dataset-file.ts) is already preprocessed by
Hydra's one TypeScript preprocessing path; this program never touches images. The exported model takes the
raw 0..255 values as float32 (N, C, H, W) and divides by 255 itself, so inference feeds the same bytes.

Progress goes to stdout as JSON lines ({"event": "started" | "epoch" | "completed" | "failed", ...});
anything else (warnings, tracebacks) goes to stderr. One file, one dependency (torch), so it can be
copied to any machine with a GPU and run there. Works with Debian's torch 1.13 and torch 2.x.
"""
import argparse
import contextlib
import copy
import inspect
import json
import math
import os
import platform
import random
import sys
import time

INSTALL = "apt-get install python3-torch (Debian/Ubuntu) or pip install torch"
EXIT_FAILED = 2
OPSET = 13  # supported by torch 1.13's exporter and every onnxruntime since 1.7
WIDTHS = (16, 32, 64, 128)
FEATURE_STRIDE = 2 ** (len(WIDTHS) - 1)


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


class TrainerFailure(Exception):
    """An expected failure: reported as a 'failed' line with a code, not as a traceback."""

    def __init__(self, code, reason):
        super().__init__(reason)
        self.code = code
        self.reason = reason


# Deterministic cuBLAS needs this before CUDA initialises.
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except Exception as _import_error:  # ImportError, or OSError from a broken native library
    if __name__ == "__main__":
        emit("failed", code="no-torch",
             reason=f"{sys.executable} cannot import torch ({_import_error}). Install it: {INSTALL}")
        sys.exit(EXIT_FAILED)
    raise


# ---------------------------------------------------------------- model

class PlotNet(nn.Module):
    """Four conv-BN-ReLU blocks (max-pool after the first three), global max pooling, one linear head.

    The last block is not pooled, so the feature maps (and the class activation maps made from them)
    keep 1/8 of the input resolution: enough to say where in a plot the model looked.
    Global MAX pooling, not average: a plot's failures are often small (one dead HV board among
    thousands of straws), and averaging dilutes such a spot until the model cannot even fit its
    training set; the max lets one strongly responding place decide (measured on the generated CDC
    plots: average pooling plateaued at about half the Bad training images, max pooling fits and
    validates them all).
    """

    def __init__(self, channels, classes, widths=WIDTHS):
        super().__init__()
        layers, c = [], channels
        for i, w in enumerate(widths):
            layers += [nn.Conv2d(c, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
            if i < len(widths) - 1:
                layers.append(nn.MaxPool2d(2))
            c = w
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c, classes)

    def forward(self, x):
        f = self.features(x * (1.0 / 255.0))  # normalisation lives in the model: callers feed raw 0..255
        return self.head(f.amax(dim=(2, 3))), f


class ExportNet(nn.Module):
    """What model.onnx computes: logits, the last feature maps, and per-class activation maps."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        logits, f = self.net(x)
        # cams[n,k,y,x] = sum_c W[k,c] f[n,c,y,x]: the head applied at every place instead of to the pooled
        # features, so a class's map is bright where the features that raise its logit respond.
        cams = F.conv2d(f, self.net.head.weight[:, :, None, None])
        return logits, f, cams


# ---------------------------------------------------------------- parameters and data

DEFAULTS = {"epochs": 30, "learningRate": 0.003, "batchSize": 32, "annealing": "cosine", "patience": 5,
            "minDelta": 0.001, "validationFraction": 0.2, "sampling": None, "seed": 1, "minPerClass": 5,
            "device": "auto", "parentModel": None}


def read_params(args):
    try:
        raw = json.loads(open(args.params_file).read() if args.params_file else (args.params or "{}"))
    except (OSError, ValueError) as e:
        raise TrainerFailure("dataset-error", f"cannot read the training parameters: {e}")
    if not isinstance(raw, dict):
        raise TrainerFailure("dataset-error", "training parameters must be a JSON object")
    p = {**DEFAULTS, **{k: v for k, v in raw.items() if v is not None}}
    if args.device:
        p["device"] = args.device
    ok = (isinstance(p["epochs"], int) and p["epochs"] > 0 and isinstance(p["batchSize"], int) and p["batchSize"] > 0
          and p["learningRate"] > 0 and p["annealing"] in ("cosine", "step", "none") and p["patience"] >= 0
          and p["minDelta"] >= 0 and p["device"] in ("auto", "cpu", "cuda") and isinstance(p["seed"], int))
    if not ok:
        raise TrainerFailure("dataset-error", f"invalid training parameters: {json.dumps(raw)}")
    return p


def load_dataset(directory):
    """dataset.json and pixels.u8 (read whole into one uint8 tensor: no per-sample Python later)."""
    try:
        with open(os.path.join(directory, "dataset.json")) as f:
            meta = json.load(f)
        labels, inp, samples = meta["labels"], meta["input"], meta["samples"]
        c, h, w, n = int(inp["channels"]), int(inp["height"]), int(inp["width"]), len(samples)
        path = os.path.join(directory, meta["pixels"]["file"])
        size = os.path.getsize(path)
        y = torch.tensor([int(s["label"]) for s in samples], dtype=torch.long)
        is_val = torch.tensor([s["split"] == "validation" for s in samples], dtype=torch.bool)
        loss_w = [float(v) for v in meta["sampling"]["lossWeights"]]
        sampler_w = [float(v) for v in meta["sampling"]["samplerWeights"]]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise TrainerFailure("dataset-error", f"cannot read the dataset in {directory}: {e!r}")
    if size != n * c * h * w:
        raise TrainerFailure("dataset-error", f"pixels.u8 has {size} bytes, expected {n}x{c}x{h}x{w}")
    if n and (int(y.min()) < 0 or int(y.max()) >= len(labels)):
        raise TrainerFailure("dataset-error", "a sample's label index is out of range")
    x = torch.from_file(path, shared=False, size=size, dtype=torch.uint8).view(n, c, h, w) if n else \
        torch.zeros((0, c, h, w), dtype=torch.uint8)
    return {"meta": meta, "labels": labels, "x": x, "y": y, "is_val": is_val, "loss_weights": loss_w,
            "sampler_weights": sampler_w, "shape": (c, h, w)}


def check_counts(ds, min_per_class):
    counts = torch.bincount(ds["y"], minlength=len(ds["labels"])).tolist()
    short = [f"{l}: {n}" for l, n in zip(ds["labels"], counts) if n < min_per_class]
    if short:
        raise TrainerFailure("too-few-labels", f"each label needs at least {min_per_class} labelled images; "
                                               f"too few for {', '.join(short)}")
    n_val = int(ds["is_val"].sum())
    if n_val == 0 or n_val == len(ds["y"]):
        raise TrainerFailure("too-few-labels", "the dataset needs both training and validation images")
    return dict(zip(ds["labels"], counts))


# ---------------------------------------------------------------- device and reproducibility

def pick_device(requested):
    if requested == "cpu" or (requested == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise TrainerFailure("no-torch", f"CUDA was requested but torch {torch.__version__} sees no CUDA device; "
                                         "install a CUDA build of torch (pip install torch) or use --device cpu")
    return torch.device("cuda")


def seed_everything(seed, device):
    random.seed(seed)
    torch.manual_seed(seed)
    try:
        import numpy
        numpy.random.seed(seed % 2 ** 32)
    except ImportError:
        pass
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    if device.type == "cpu":
        # Clean plots are mostly exact white; their gradients then underflow into denormal floats, which
        # x86 CPUs handle at a crawl (measured: a quarter slower). Flushing them to zero changes nothing
        # that matters.
        torch.set_flush_denormal(True)
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        torch.set_num_threads(max(1, threads))


def amp_settings(device):
    """bf16 autocast where the GPU has it (no loss scaling needed), else fp16 with a scaler; none on CPU."""
    if device.type != "cuda":
        return None, None
    if torch.cuda.is_bf16_supported():
        return torch.bfloat16, None
    scaler_cls = getattr(getattr(torch, "amp", None), "GradScaler", None)
    scaler = scaler_cls("cuda") if scaler_cls and "device" in inspect.signature(scaler_cls).parameters \
        else torch.cuda.amp.GradScaler()
    return torch.float16, scaler


def autocast(device, dtype):
    if dtype is None:
        return torch.autocast(device_type="cpu", enabled=False)
    return torch.autocast(device_type=device.type, dtype=dtype)


# ---------------------------------------------------------------- augmentation (whole batches, on device)

def augment(x, shift):
    """Geometry-respecting jitter of a float batch in 0..255: no flips or rotations (a plot's axes mean
    something), only a shift of up to `shift` pixels with white coming in at the edge and a brightness
    and contrast change of a few percent. No pixel noise: with global max pooling the largest noise
    spike, not the plot, would set the pooled features in training, while validation and inference see
    clean images."""
    n, c, h, w = x.shape
    dev = x.device
    r = torch.rand(n, 4, device=dev)  # one draw for every per-sample choice: few kernel launches on a GPU
    if shift > 0:
        # Every shifted h x w window of the padded batch as a view (n, c, dy, dx, h, w); pick one per sample.
        windows = F.pad(x, (shift, shift, shift, shift), value=255.0).unfold(2, h, 1).unfold(3, w, 1)
        d = (r[:, :2] * (2 * shift + 1)).long().clamp_(max=2 * shift)
        x = windows[torch.arange(n, device=dev), :, d[:, 0], d[:, 1]]
    contrast = (1.0 + (r[:, 2] * 2 - 1) * 0.1).view(n, 1, 1, 1)
    offset = (128.0 * (1.0 - contrast) + (r[:, 3] * 2 - 1).view(n, 1, 1, 1) * 10.0)
    x = torch.addcmul(offset, x, contrast)  # (x - 128) * contrast + 128 + brightness
    return x.clamp_(0.0, 255.0)


# ---------------------------------------------------------------- training

def batch_input(x_all, idx, device):
    xb = x_all[idx if idx.device == x_all.device else idx.to(x_all.device)]
    if xb.device != device:
        xb = xb.to(device, non_blocking=True)
    xb = xb.float()
    return xb.contiguous(memory_format=torch.channels_last) if device.type == "cuda" else xb


@torch.no_grad()
def run_eval(model, x_all, y_all, idx, batch, device, amp):
    """Mean (unweighted) cross-entropy, accuracy, and the softmax probabilities of the given samples."""
    model.eval()
    loss, probs = torch.zeros((), device=device), []
    for b in range(0, len(idx), batch):
        sel = idx[b:b + batch]
        with autocast(device, amp):
            logits, _ = model(batch_input(x_all, sel, device))
        logits = logits.float()
        loss += F.cross_entropy(logits, y_all[sel], reduction="sum")
        probs.append(torch.softmax(logits, dim=1))
    p = torch.cat(probs) if probs else torch.zeros((0, 1), device=device)
    acc = (p.argmax(dim=1) == y_all[idx]).float().mean()
    return float(loss) / max(1, len(idx)), float(acc), p


def per_label_recall(probs, y, labels):
    """Recall of every label present in y, by name."""
    pred = probs.argmax(dim=1)
    return {labels[k]: float((pred[y == k] == k).float().mean()) for k in torch.unique(y).tolist()}


def balanced_accuracy(probs, y):
    """Mean per-label recall over the labels present: a model that calls everything one label gets 1/K,
    however imbalanced the validation set, so it can never be the best epoch."""
    pred = probs.argmax(dim=1)
    recalls = [float((pred[y == k] == k).float().mean()) for k in torch.unique(y).tolist()]
    return sum(recalls) / max(1, len(recalls))


def recalibrate_batchnorm(model, x_all, calib_idx, batch, device, amp):
    """Recomputes the BatchNorm running statistics as a plain average over clean training batches.

    The running averages kept during training lag behind fast-changing weights and describe augmented
    images; on mostly-white plots (thin lines, tiny first-layer variances) that mismatch alone left
    models at chance in eval mode while they classified perfectly with batch statistics. One clean
    forward pass over (up to 2048) training images before each validation removes it.
    """
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
    model.train()
    with torch.no_grad():
        for b in range(0, len(calib_idx), batch):
            sel = calib_idx[b:b + batch]
            if len(sel) < 2 and b > 0:
                continue
            with autocast(device, amp):
                model(batch_input(x_all, sel, device))
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum


def make_scheduler(opt, annealing, epochs):
    if annealing == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    if annealing == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=max(1, epochs // 3), gamma=0.1)
    return None


def is_oom(e):
    m = str(e).lower()
    return isinstance(e, MemoryError) or "out of memory" in m or "can't allocate memory" in m


def place_data(ds, device):
    """The whole uint8 dataset goes to the GPU when it fits comfortably (batches are then pure indexing);
    otherwise it stays in pinned host memory and each batch is copied over."""
    x = ds["x"]
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info()
        x = x.to(device) if x.numel() < free * 0.5 else x.pin_memory()
    return x, ds["y"].to(device)


def select_best(best, epoch, val_bal, val_loss, val_acc, model, min_delta):
    """The best epoch is the one with the highest validation balanced accuracy (not loss or plain accuracy,
    which a majority-label model can win on an imbalanced set); among equals, the lowest loss."""
    if val_bal > best["balanced"] + 1e-9 or (val_bal > best["balanced"] - 1e-9 and val_loss < best["loss"] - min_delta):
        return {"loss": val_loss, "epoch": epoch, "state": copy.deepcopy(model.state_dict()), "acc": val_acc,
                "balanced": val_bal}
    return None


def epoch_line(epoch, p, train_loss, val_loss, val_acc, val_bal, val_recall, lr, seen, dt, cpu):
    line = {"epoch": epoch, "epochs": p["epochs"], "loss": train_loss, "val_loss": val_loss, "val_accuracy": val_acc,
            "val_balanced_accuracy": val_bal, "val_recall": val_recall, "lr": lr, "images_per_second": seen / max(dt, 1e-9), "seconds": dt,
            "cpu_seconds": cpu}
    emit("epoch", **line)
    return line


def backward_step(loss, opt, scaler):
    opt.zero_grad(set_to_none=True)
    if scaler:
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    else:
        loss.backward()
        opt.step()


def train(ds, p, device, out_dir, backbone=None, parent=None):
    seed_everything(p["seed"], device)
    amp, scaler = amp_settings(device)
    c, h, w = ds["shape"]
    x_all, y_all = place_data(ds, device)
    split = {"train": torch.nonzero(~ds["is_val"]).flatten().to(device),
             "val": torch.nonzero(ds["is_val"]).flatten().to(device)}
    model = PlotNet(c, len(ds["labels"]))
    started_from = load_parent(model, parent, c, ds["labels"]) if parent else None
    model = model.to(device)
    if backbone:
        if not (started_from and started_from["loaded"] != "none"):
            load_backbone(model, backbone["path"], c)  # else the parent's blocks are the start, frozen or not
        r = train_tail(model, ds, p, device, x_all, y_all, split, backbone["fine_tune_blocks"])
    else:
        if device.type == "cuda":
            model = model.to(memory_format=torch.channels_last)
        r = train_whole(model, ds, p, device, x_all, y_all, split, amp, scaler)
    model.load_state_dict(r["best"]["state"])
    # The reference predictions: fp32, no autocast, no TF32, so onnxruntime's fp32 run can be compared.
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    _, final_acc, probs = run_eval(model, x_all, y_all, split["val"], p["batchSize"] * 4, device, None)
    t2 = time.perf_counter()
    export_onnx(model, os.path.join(out_dir, "model.onnx"), (c, h, w))
    r["timings"]["export_s"] = time.perf_counter() - t2
    return {**r, "model": model, "parent": started_from, "val_idx": split["val"].tolist(),
            "probs": probs.float().cpu().tolist(),
            "val_accuracy": final_acc, "amp": str(amp).replace("torch.", "") if amp else "none",
            "parameters": sum(t.numel() for t in model.parameters())}


def train_whole(model, ds, p, device, x_all, y_all, split, amp, scaler):
    """Every block from scratch, on augmented batches of the raw images."""
    c, h, w = ds["shape"]
    train_idx, val_idx = split["train"], split["val"]
    n_train, bs = len(train_idx), p["batchSize"]
    sampler_w = torch.tensor(ds["sampler_weights"], device=device)[y_all[train_idx]]
    balanced = ds["meta"]["sampling"]["method"] == "balanced"
    loss_w = torch.tensor(ds["loss_weights"], device=device)
    shift = max(1, round(0.03 * min(h, w)))
    calib_idx = train_idx[torch.randperm(n_train, device=device)[:2048]]
    opt = torch.optim.AdamW(model.parameters(), lr=p["learningRate"], weight_decay=1e-4)
    sched = make_scheduler(opt, p["annealing"], p["epochs"])
    best = {"loss": math.inf, "epoch": 0, "state": copy.deepcopy(model.state_dict()), "acc": 0.0, "balanced": -1.0}
    history, stale, t_train, t_val = [], 0, 0.0, 0.0

    for epoch in range(1, p["epochs"] + 1):
        model.train()
        lr = opt.param_groups[0]["lr"]
        t0, c0 = time.perf_counter(), time.process_time()
        order = torch.multinomial(sampler_w, n_train, replacement=True) if balanced else \
            torch.randperm(n_train, device=device)
        total, seen = torch.zeros((), device=device), 0
        for b in range(0, n_train, bs):
            sel = train_idx[order[b:b + bs]]
            if len(sel) < 2 and seen > 0:  # BatchNorm cannot train on a lone sample
                continue
            xb, yb = augment(batch_input(x_all, sel, device), shift), y_all[sel]
            with autocast(device, amp):
                logits, _ = model(xb)
            loss = F.cross_entropy(logits.float(), yb, weight=loss_w)
            backward_step(loss, opt, scaler)
            total += loss.detach() * len(sel)
            seen += len(sel)
        train_loss = float(total) / max(1, seen)  # one host sync per epoch, not per batch
        if device.type == "cuda":
            torch.cuda.synchronize()
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        t_train += dt
        if not math.isfinite(train_loss):
            raise TrainerFailure("nan-loss", f"the training loss became {train_loss} in epoch {epoch} "
                                             f"(learning rate {lr:g}); try a smaller learning rate")
        t1 = time.perf_counter()
        recalibrate_batchnorm(model, x_all, calib_idx, bs, device, amp)
        val_loss, val_acc, val_probs = run_eval(model, x_all, y_all, val_idx, bs * 4, device, amp)
        val_bal = balanced_accuracy(val_probs, y_all[val_idx])
        t_val += time.perf_counter() - t1
        if not math.isfinite(val_loss):
            raise TrainerFailure("nan-loss", f"the validation loss became {val_loss} in epoch {epoch}")
        if sched:
            sched.step()
        val_recall = per_label_recall(val_probs, y_all[val_idx], ds["labels"])
        history.append(epoch_line(epoch, p, train_loss, val_loss, val_acc, val_bal, val_recall, lr, seen, dt, cpu))
        better = select_best(best, epoch, val_bal, val_loss, val_acc, model, p["minDelta"])
        if better:
            best, stale = better, 0
        else:
            stale += 1
            if p["patience"] > 0 and stale >= p["patience"]:
                break
    return {"history": history, "best": best, "timings": {"train_s": t_train, "validation_s": t_val}}


# ---------------------------------------------------------------- the shipped backbone

def save_weights(model, path, labels, shape):
    """The whole trained network, for a later run to start from (--parent)."""
    torch.save({"format": "hydra-weights-1", "widths": list(WIDTHS), "channels": shape[0], "labels": list(labels),
                "input": list(shape), "state": {k: v.detach().cpu() for k, v in model.state_dict().items()}}, path)


def load_parent(model, path, channels, labels):
    """Starts `model` from the parent's weights where they fit: every block when the architecture matches, the head
    too when the labels do. Returns what was loaded and why ("all", "features" or "none")."""
    try:
        kwargs = {"weights_only": True} if "weights_only" in inspect.signature(torch.load).parameters else {}
        saved = torch.load(path, map_location="cpu", **kwargs)
        ok = saved.get("format") == "hydra-weights-1"
    except Exception as e:  # a missing, truncated or foreign file
        raise TrainerFailure("dataset-error", f"cannot read the parent model's weights {path}: {e!r}")
    if not ok:
        raise TrainerFailure("dataset-error", f"{path} is not a model's weights written by this trainer")
    if list(saved["widths"]) != list(WIDTHS) or int(saved["channels"]) != channels:
        return {"loaded": "none", "reason": f"the parent has widths {list(saved['widths'])} and {saved['channels']} "
                                            f"channels, this run {list(WIDTHS)} and {channels}: trained without it"}
    state = saved["state"]
    features = {k[len("features."):]: v for k, v in state.items() if k.startswith("features.")}
    model.features.load_state_dict(features)
    if list(saved["labels"]) != list(labels):
        return {"loaded": "features", "reason": f"the parent's labels {list(saved['labels'])} are not this run's "
                                                f"{list(labels)}: its blocks, a new head"}
    model.head.load_state_dict({k[len("head."):]: v for k, v in state.items() if k.startswith("head.")})
    return {"loaded": "all", "reason": "the parent's blocks and head"}


def block_starts(model):
    return [i for i, m in enumerate(model.features) if isinstance(m, nn.Conv2d)]


def save_backbone(model, path, channels):
    """The convolutional blocks' weights (not the head, which belongs to the pretext task's labels)."""
    torch.save({"format": "hydra-backbone-1", "widths": list(WIDTHS), "channels": channels,
                "features": {k: v.detach().cpu() for k, v in model.features.state_dict().items()}}, path)


def load_backbone(model, path, channels):
    try:
        kwargs = {"weights_only": True} if "weights_only" in inspect.signature(torch.load).parameters else {}
        saved = torch.load(path, map_location="cpu", **kwargs)
        ok = saved.get("format") == "hydra-backbone-1" and list(saved["widths"]) == list(WIDTHS)
    except Exception as e:  # a missing, truncated or foreign file
        raise TrainerFailure("dataset-error", f"cannot read the backbone {path}: {e!r}")
    if not ok:
        raise TrainerFailure("dataset-error", f"{path} is not a backbone of this trainer (widths {list(WIDTHS)})")
    if int(saved["channels"]) != channels:
        raise TrainerFailure("dataset-error", f"the backbone takes {saved['channels']} channels, the plot type's "
                                              f"input has {channels}")
    model.features.load_state_dict(saved["features"])


AUGMENTED_COPIES = 4  # the clean image and three shifted/contrast-jittered ones, run through the frozen blocks once


def train_tail(model, ds, p, device, x_all, y_all, split, fine_tune_blocks):
    """Frozen first blocks, their outputs computed once for a few augmented copies of every training image
    and for the clean validation images; then the last `fine_tune_blocks` blocks and the head are trained
    on those cached outputs, one copy per epoch."""
    c, h, w = ds["shape"]
    starts = block_starts(model)
    k = max(0, min(int(fine_tune_blocks), len(starts)))
    cut = starts[len(starts) - k] if k else len(model.features)
    prefix, tail = model.features[:cut], model.features[cut:]
    for q in prefix.parameters():
        q.requires_grad_(False)
    train_idx, val_idx = split["train"], split["val"]
    n_train, bs = len(train_idx), p["batchSize"]
    shift = max(1, round(0.03 * min(h, w)))
    copies = AUGMENTED_COPIES
    t0 = time.perf_counter()

    @torch.no_grad()
    def cache(idx, aug):
        prefix.eval()
        out = []
        for b in range(0, len(idx), 64):
            xb = batch_input(x_all, idx[b:b + 64], device)
            out.append(prefix((augment(xb, shift) if aug else xb) * (1.0 / 255.0)))
        return torch.cat(out)

    gen = torch.Generator(device="cpu").manual_seed(p["seed"])
    train_cache = [cache(train_idx, aug=i > 0) for i in range(copies)]
    val_cache = cache(val_idx, aug=False)
    t_cache = time.perf_counter() - t0
    y_train, y_val = y_all[train_idx], y_all[val_idx]
    sampler_w = torch.tensor(ds["sampler_weights"])[y_train.cpu()]  # sampled on the CPU with its own generator
    balanced = ds["meta"]["sampling"]["method"] == "balanced"
    loss_w = torch.tensor(ds["loss_weights"], device=device)
    params = [q for q in tail.parameters()] + list(model.head.parameters())
    opt = torch.optim.AdamW(params, lr=p["learningRate"], weight_decay=1e-4)
    sched = make_scheduler(opt, p["annealing"], p["epochs"])

    def tail_forward(z):
        return model.head(tail(z).amax(dim=(2, 3)))

    best = {"loss": math.inf, "epoch": 0, "state": copy.deepcopy(model.state_dict()), "acc": 0.0, "balanced": -1.0}
    history, stale, t_train, t_val = [], 0, 0.0, 0.0
    # The trained blocks keep the backbone's BatchNorm statistics (eval mode throughout; their scale and
    # shift still learn): a few dozen images would estimate new ones poorly, and there is then no
    # train/eval mismatch to recalibrate away.
    tail.eval()
    for epoch in range(1, p["epochs"] + 1):
        lr = opt.param_groups[0]["lr"]
        t1, c1 = time.perf_counter(), time.process_time()
        z_all = train_cache[(epoch - 1) % copies]
        order = torch.multinomial(sampler_w, n_train, replacement=True, generator=gen) if balanced else \
            torch.randperm(n_train, generator=gen)
        total, seen = 0.0, 0
        for b in range(0, n_train, bs):
            sel = order[b:b + bs].to(device)
            if len(sel) < 2 and seen > 0:
                continue
            loss = F.cross_entropy(tail_forward(z_all[sel]), y_train[sel], weight=loss_w)
            backward_step(loss, opt, None)
            total += float(loss) * len(sel)
            seen += len(sel)
        train_loss = total / max(1, seen)
        dt, cpu = time.perf_counter() - t1, time.process_time() - c1
        t_train += dt
        if not math.isfinite(train_loss):
            raise TrainerFailure("nan-loss", f"the training loss became {train_loss} in epoch {epoch} "
                                             f"(learning rate {lr:g}); try a smaller learning rate")
        t2 = time.perf_counter()
        with torch.no_grad():
            logits = torch.cat([tail_forward(val_cache[b:b + 256]) for b in range(0, len(val_idx), 256)])
            val_loss = float(F.cross_entropy(logits, y_val))
            val_probs = torch.softmax(logits, dim=1)
            val_acc = float((val_probs.argmax(dim=1) == y_val).float().mean())
        val_bal = balanced_accuracy(val_probs, y_val)
        t_val += time.perf_counter() - t2
        if sched:
            sched.step()
        val_recall = per_label_recall(val_probs, y_val, ds["labels"])
        history.append(epoch_line(epoch, p, train_loss, val_loss, val_acc, val_bal, val_recall, lr, seen, dt, cpu))
        better = select_best(best, epoch, val_bal, val_loss, val_acc, model, p["minDelta"])
        if better:
            best, stale = better, 0
        else:
            stale += 1
            if p["patience"] > 0 and stale >= p["patience"]:
                break
    return {"history": history, "best": best,
            "timings": {"cache_s": t_cache, "train_s": t_train, "validation_s": t_val}}


def export_onnx(model, path, shape):
    net = ExportNet(copy.deepcopy(model).to(device="cpu", memory_format=torch.contiguous_format).float().eval())
    names = ["logits", "features", "cams"]
    kwargs = {"input_names": ["input"], "output_names": names, "opset_version": OPSET, "do_constant_folding": True,
              "dynamic_axes": {k: {0: "batch"} for k in ["input"] + names}}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # torch >= 2.9 defaults to the dynamo exporter, which needs onnxscript
    # Some torch versions print export diagnostics; stdout is reserved for the JSON lines.
    with torch.no_grad(), contextlib.redirect_stdout(sys.stderr):
        torch.onnx.export(net, torch.full((1, *shape), 255.0), path, **kwargs)


# ---------------------------------------------------------------- outputs and main

def write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f)
    os.replace(tmp, path)


def versions(device):
    v = {"python": platform.python_version(), "torch": torch.__version__, "onnx_opset": str(OPSET)}
    if device.type == "cuda":
        v["cuda"] = str(torch.version.cuda)
        v["cudnn"] = str(torch.backends.cudnn.version())
        v["gpu"] = torch.cuda.get_device_name(0)
    return v


def run(args):
    t_start = time.perf_counter()
    p = read_params(args)
    ds = load_dataset(args.dataset)
    per_label = check_counts(ds, int(p["minPerClass"]))
    device = pick_device(p["device"])
    os.makedirs(args.out, exist_ok=True)
    n_val = int(ds["is_val"].sum())
    emit("started", device=str(device), labels=ds["labels"], train=len(ds["y"]) - n_val, validation=n_val,
         per_label=per_label, input=list(ds["shape"]), frameworks=versions(device))
    try:
        backbone = {"path": args.backbone, "fine_tune_blocks": args.fine_tune_blocks} if args.backbone else None
        r = train(ds, p, device, args.out, backbone, args.parent)
        if args.save_backbone:
            save_backbone(r["model"], args.save_backbone, ds["shape"][0])
        if args.save_weights:
            save_weights(r["model"], args.save_weights, ds["labels"], ds["shape"])
    except (RuntimeError, MemoryError) as e:
        if is_oom(e):
            raise TrainerFailure("out-of-memory", f"out of memory on {device} with batch size {p['batchSize']} "
                                                  f"and input {ds['shape']}: {str(e)[:500]}; try a smaller batch")
        raise
    samples = ds["meta"]["samples"]
    preds = [{"index": i, "imageId": samples[i]["imageId"], "label": int(ds["y"][i]), "probabilities": pr}
             for i, pr in zip(r["val_idx"], r["probs"])]
    write_json(os.path.join(args.out, "val_predictions.json"), {"labels": ds["labels"], "samples": preds})
    speeds = sorted(h["images_per_second"] for h in r["history"][1:] or r["history"])
    summary = {"model": "model.onnx", "val_predictions": "val_predictions.json", "info": "info.json",
               "epochs_run": len(r["history"]), "best_epoch": r["best"]["epoch"], "val_loss": r["best"]["loss"],
               "val_accuracy": r["val_accuracy"], "val_balanced_accuracy": r["best"]["balanced"],
               "images_per_second": speeds[len(speeds) // 2],
               "duration_s": time.perf_counter() - t_start, "device": str(device), "frameworks": versions(device)}
    info = {**summary, "parameters": p, "amp": r["amp"], "threads": torch.get_num_threads(),
            "backbone": ({"file": os.path.basename(args.backbone), "fine_tune_blocks": args.fine_tune_blocks}
                         if args.backbone else None),
            "parent": r["parent"],
            "model_architecture": {"name": "PlotNet", "widths": list(WIDTHS), "feature_stride": FEATURE_STRIDE,
                                   "parameters": r["parameters"], "input": list(ds["shape"]),
                                   "outputs": ["logits", "features", "cams"], "normalisation": "x/255 inside"},
            "dataset": {"count": len(ds["y"]), "train": len(ds["y"]) - n_val, "validation": n_val,
                        "per_label": per_label, "manifestHash": ds["meta"].get("manifestHash"),
                        "sampling": ds["meta"]["sampling"]["method"]},
            "timings": {**r["timings"], "total_s": time.perf_counter() - t_start, "cpu_s": time.process_time()},
            "history": r["history"]}
    write_json(os.path.join(args.out, "info.json"), info)
    emit("completed", **summary)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--params", help="training parameters as one JSON object")
    ap.add_argument("--params-file", help="a file holding the JSON parameters")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], help="overrides the parameters' device")
    ap.add_argument("--backbone", help="start from this backbone (models/backbone/backbone.pt) and train the tail")
    ap.add_argument("--fine-tune-blocks", type=int, default=1, help="with --backbone: how many last blocks train")
    ap.add_argument("--save-backbone", help="also write the trained blocks' weights here (for --backbone)")
    ap.add_argument("--parent", help="start from this model's weights (written by --save-weights) where they fit")
    ap.add_argument("--save-weights", help="also write the whole trained network's weights here (for --parent)")
    args = ap.parse_args(argv)
    try:
        run(args)
    except TrainerFailure as f:
        emit("failed", code=f.code, reason=f.reason)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
