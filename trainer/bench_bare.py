#!/usr/bin/env python3
"""The bare PyTorch loop the trainer is measured against (npm run bench -- train).

Same model (PlotNet), same tensors (the dataset's pixels.u8 loaded the same way, on the same device),
same optimiser, loss, batch size and mixed precision as hydra_trainer.py, but nothing else: no
augmentation, no sampling weights, no validation, no early stopping, no export.
Prints one JSON line: {"event": "bare", "images_per_second": ..., "epochs": [...], "epochs_per_cpu_second": [...]}.
"""
import argparse
import json
import sys
import time

import torch
import torch.nn.functional as F

from hydra_trainer import PlotNet, amp_settings, autocast, batch_input, load_dataset, pick_device, place_data, seed_everything


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=0.003)
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    device = pick_device(args.device)
    seed_everything(1, device)
    ds = load_dataset(args.dataset)
    x_all, y_all = place_data(ds, device)
    train_idx = torch.nonzero(~ds["is_val"]).flatten().to(device)
    amp, scaler = amp_settings(device)
    model = PlotNet(ds["shape"][0], len(ds["labels"])).to(device)
    if device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    model.train()
    speeds, per_cpu_second = [], []
    for _ in range(args.epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        order = torch.randperm(len(train_idx), device=device)
        seen = 0
        for b in range(0, len(train_idx), args.batch):
            sel = train_idx[order[b:b + args.batch]]
            if len(sel) < 2:
                continue
            with autocast(device, amp):
                logits, _ = model(batch_input(x_all, sel, device))
            loss = F.cross_entropy(logits.float(), y_all[sel])
            opt.zero_grad(set_to_none=True)
            if scaler:
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
            else:
                loss.backward()
                opt.step()
            seen += len(sel)
        float(loss)
        if device.type == "cuda":
            torch.cuda.synchronize()
        speeds.append(seen / (time.perf_counter() - t0))
        per_cpu_second.append(seen / max(1e-9, time.process_time() - c0))
    later = sorted(speeds[1:] or speeds)
    print(json.dumps({"event": "bare", "images_per_second": later[len(later) // 2], "epochs": speeds, "epochs_per_cpu_second": per_cpu_second,
                      "device": str(device), "amp": str(amp), "threads": torch.get_num_threads(),
                      "torch": torch.__version__}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
