"""A tiny WebAssembly binary encoder and the three modules the sandbox serves.

- `cryptonight`: the miner module of the Coinhive-style services, with the export names of the real
  emscripten builds (`memory`, `_cryptonight_create`, `_cryptonight_hash`, `_cryptonight_destroy`,
  `_malloc`, `_free`);
- `cn`: a second miner lineage (`memory`, `cn_init`, `cn_hash`) used by the stratum miners: the same
  arithmetic under other names, so other bytes and another SHA-256;
- `thumbs`: a benign image decoder (`memory`, `alloc`, `decode_rle`) that a careless detector may flag.

The "hash" is a cheap integer mixing loop (a few rounds over the input), nothing like the real memory-hard
CryptoNight: it must not heat the test machines. `miner_hash` is its Python reference, used by the pools to
check submitted results. Module bytes are built from constants only: the same bytes, hence the same
SHA-256, on every run.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from functools import cache

MASK = 0xFFFFFFFF
GOLDEN = 0x9E3779B9  # lane k starts at (k + 1) * GOLDEN
MIX_MUL = 0x01000193
MIX_ROT = 13
ROUNDS = 4
HEAP_START = 1024  # the bump allocator keeps its pointer at address 0 and hands out memory from here
CTX_SIZE = 1024  # what a miner's create/init allocates: the worker puts its input and output there

# --- binary encoding ---------------------------------------------------------------------------------

I32 = 0x7F
FUNC, MEMORY = 0x00, 0x02  # export kinds
EMPTY_BLOCK = 0x40
SECTION_ID = {"custom": 0, "type": 1, "import": 2, "function": 3, "memory": 5, "export": 7, "code": 10}


def uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def sleb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        done = (n == 0 and not byte & 0x40) or (n == -1 and byte & 0x40)
        out.append(byte | (0 if done else 0x80))
        if done:
            return bytes(out)


def vec(items: list[bytes]) -> bytes:
    return uleb(len(items)) + b"".join(items)


def wname(text: str) -> bytes:
    raw = text.encode()
    return uleb(len(raw)) + raw


def section(kind: str, payload: bytes) -> bytes:
    return bytes([SECTION_ID[kind]]) + uleb(len(payload)) + payload


# --- a WAT-like assembler for function bodies ---------------------------------------------------------

# mnemonic -> (opcode, immediate): "local" index, "i32" constant, "func" index, "label" depth,
# "block" (empty block type), or a memory access with its natural alignment (log2 of the width)
OPS: dict[str, tuple[int, str | None]] = {
    "block": (0x02, "block"),
    "loop": (0x03, "block"),
    "if": (0x04, "block"),
    "else": (0x05, None),
    "end": (0x0B, None),
    "br": (0x0C, "label"),
    "br_if": (0x0D, "label"),
    "return": (0x0F, None),
    "call": (0x10, "func"),
    "drop": (0x1A, None),
    "local.get": (0x20, "local"),
    "local.set": (0x21, "local"),
    "local.tee": (0x22, "local"),
    "i32.load": (0x28, "mem2"),
    "i32.load8_u": (0x2D, "mem0"),
    "i32.store": (0x36, "mem2"),
    "i32.store8": (0x3A, "mem0"),
    "i32.const": (0x41, "i32"),
    "i32.eqz": (0x45, None),
    "i32.lt_u": (0x49, None),
    "i32.ge_u": (0x4F, None),
    "i32.add": (0x6A, None),
    "i32.sub": (0x6B, None),
    "i32.mul": (0x6C, None),
    "i32.div_u": (0x6E, None),
    "i32.rem_u": (0x70, None),
    "i32.and": (0x71, None),
    "i32.xor": (0x73, None),
    "i32.shl": (0x74, None),
    "i32.rotl": (0x77, None),
}


@dataclass(frozen=True)
class Func:
    """One function: i32 parameters and locals named `$x` in `body`, zero or one i32 result."""

    name: str
    params: tuple[str, ...]
    body: str
    locals: tuple[str, ...] = ()
    result: bool = False


def assemble(func: Func, func_index: dict[str, int]) -> bytes:
    """The body of `func` (without its local declarations) as bytecode, closing `end` included."""
    local_index = {name: i for i, name in enumerate(func.params + func.locals)}
    tokens = [t for line in func.body.splitlines() for t in line.split(";;")[0].split()]
    out = bytearray()
    i = 0
    while i < len(tokens):
        opcode, imm = OPS[tokens[i]]
        out.append(opcode)
        i += 1
        if imm == "block":
            out.append(EMPTY_BLOCK)
        elif imm in ("local", "func"):
            names = local_index if imm == "local" else func_index
            out += uleb(names[tokens[i].lstrip("$")])
            i += 1
        elif imm == "label":
            out += uleb(int(tokens[i]))
            i += 1
        elif imm == "i32":
            value = int(tokens[i], 0) & MASK
            out += sleb(value - (1 << 32) if value >> 31 else value)
            i += 1
        elif imm and imm.startswith("mem"):
            offset = 0
            if i < len(tokens) and tokens[i].startswith("offset="):
                offset = int(tokens[i].split("=", 1)[1])
                i += 1
            out += uleb(int(imm[3:])) + uleb(offset)
    return bytes(out) + b"\x0b"


def encode_module(module_name: str, funcs: list[Func], exports: dict[str, str], pages: int) -> bytes:
    """A module with one memory (exported as `memory`), `funcs`, and `exports` (export name -> func name).

    A custom "name" section names the module and each function (by its export name when it has one)."""
    func_index = {f.name: i for i, f in enumerate(funcs)}
    signatures = sorted({(len(f.params), f.result) for f in funcs})
    type_entries = [b"\x60" + vec([bytes([I32])] * n) + vec([bytes([I32])] * result) for n, result in signatures]
    code_entries = []
    for f in funcs:
        local_decl = vec([uleb(len(f.locals)) + bytes([I32])] if f.locals else [])
        body = local_decl + assemble(f, func_index)
        code_entries.append(uleb(len(body)) + body)
    export_entries = [wname("memory") + bytes([MEMORY]) + uleb(0)]
    export_entries += [wname(name) + bytes([FUNC]) + uleb(func_index[target]) for name, target in exports.items()]
    shown = {target: name for name, target in exports.items()}
    names = vec([uleb(i) + wname(shown.get(f.name, f.name)) for i, f in enumerate(funcs)])
    name_payload = (
        wname("name")
        + b"\x00"
        + uleb(len(wname(module_name)))
        + wname(module_name)
        + b"\x01"
        + uleb(len(names))
        + names
    )
    return b"".join(
        [
            b"\x00asm\x01\x00\x00\x00",
            section("type", vec(type_entries)),
            section("function", vec([uleb(signatures.index((len(f.params), f.result))) for f in funcs])),
            section("memory", vec([b"\x00" + uleb(pages)])),
            section("export", vec(export_entries)),
            section("code", vec(code_entries)),
            section("custom", name_payload),
        ]
    )


# --- the functions ------------------------------------------------------------------------------------

MALLOC = Func(
    "malloc",
    ("size",),
    locals=("p",),
    result=True,
    body=f"""
    i32.const 0 i32.load local.tee $p i32.eqz
    if i32.const {HEAP_START} local.set $p end
    i32.const 0                                  ;; heap pointer := align8(p + size)
    local.get $p local.get $size i32.add i32.const 7 i32.add i32.const -8 i32.and
    i32.store
    local.get $p""",
)

FREE = Func("free", ("ptr",), body="")  # a bump allocator never gives memory back

CREATE = Func("create", (), result=True, body=f"i32.const {CTX_SIZE} call $malloc")

DESTROY = Func("destroy", ("ctx",), body="local.get $ctx call $free")

HASH = Func(
    "hash",
    ("ctx", "inp", "out", "len"),
    locals=("i", "n", "p"),
    body=f"""
    loop                                         ;; out[i] = (i + 1) * GOLDEN for the 8 lanes
      local.get $out local.get $i i32.const 2 i32.shl i32.add
      local.get $i i32.const 1 i32.add i32.const {GOLDEN} i32.mul
      i32.store
      local.get $i i32.const 1 i32.add local.tee $i i32.const 8 i32.lt_u br_if 0
    end
    local.get $len i32.eqz if return end
    local.get $len i32.const {ROUNDS} i32.mul local.set $n
    i32.const 0 local.set $i
    loop                                         ;; lane = rotl((lane ^ (byte + round)) * MUL) + next lane
      local.get $out local.get $i i32.const 7 i32.and i32.const 2 i32.shl i32.add local.tee $p
      local.get $p i32.load
      local.get $inp local.get $i local.get $len i32.rem_u i32.add i32.load8_u
      local.get $i local.get $len i32.div_u i32.add
      i32.xor i32.const {MIX_MUL} i32.mul i32.const {MIX_ROT} i32.rotl
      local.get $out local.get $i i32.const 1 i32.add i32.const 7 i32.and i32.const 2 i32.shl i32.add i32.load
      i32.add
      i32.store
      local.get $i i32.const 1 i32.add local.tee $i local.get $n i32.lt_u br_if 0
    end""",
)

DECODE_RLE = Func(
    "decode_rle",
    ("src", "len", "dst"),
    locals=("i", "o", "c", "v"),
    result=True,
    body="""
    block loop                                   ;; (count, value) byte pairs
      local.get $i i32.const 1 i32.add local.get $len i32.ge_u br_if 1
      local.get $src local.get $i i32.add i32.load8_u local.set $c
      local.get $src local.get $i i32.add i32.load8_u offset=1 local.set $v
      block loop
        local.get $c i32.eqz br_if 1
        local.get $dst local.get $o i32.add local.get $v i32.store8
        local.get $o i32.const 1 i32.add local.set $o
        local.get $c i32.const 1 i32.sub local.set $c
        br 0
      end end
      local.get $i i32.const 2 i32.add local.set $i
      br 0
    end end
    local.get $o""",
)

# kind -> (module name, functions, exports); the miner kinds also name their (create, hash) entry points
MODULES = {
    "cryptonight": (
        "cryptonight",
        [MALLOC, FREE, CREATE, DESTROY, HASH],
        {
            "_cryptonight_create": "create",
            "_cryptonight_hash": "hash",
            "_cryptonight_destroy": "destroy",
            "_malloc": "malloc",
            "_free": "free",
        },
    ),
    "cn": ("cn", [MALLOC, CREATE, HASH], {"cn_init": "create", "cn_hash": "hash"}),
    "thumbs": ("thumbs", [MALLOC, DECODE_RLE], {"alloc": "malloc", "decode_rle": "decode_rle"}),
}
MINER_ENTRY = {"cryptonight": ("_cryptonight_create", "_cryptonight_hash"), "cn": ("cn_init", "cn_hash")}


@cache
def module_bytes(kind: str) -> bytes:
    """The module of `kind` (cryptonight, cn, thumbs), the same bytes on every run."""
    name, funcs, exports = MODULES[kind]
    return encode_module(name, funcs, exports, pages=2 if kind in MINER_ENTRY else 1)


def module_sha256(kind: str) -> str:
    return hashlib.sha256(module_bytes(kind)).hexdigest()


# --- Python references ---------------------------------------------------------------------------------


def miner_hash(data: bytes) -> bytes:
    """The 32-byte result of the miner modules' hash of `data` (same arithmetic as HASH)."""
    lanes = [((k + 1) * GOLDEN) & MASK for k in range(8)]
    n = len(data)
    for i in range(n * ROUNDS):
        j = i & 7
        x = ((lanes[j] ^ ((data[i % n] + i // n) & MASK)) * MIX_MUL) & MASK
        x = ((x << MIX_ROT) | (x >> (32 - MIX_ROT))) & MASK
        lanes[j] = (x + lanes[(j + 1) & 7]) & MASK
    return struct.pack("<8I", *lanes)
