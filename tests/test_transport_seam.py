"""The seam a remote transport plugs into: the wizards reach processes, private
files and private directories only through the ``Transport``/``Process``
interface, get each node's transport from ``transport_for``, and the dump
relay shared by the stream and the file paths is one public module."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

import replui.transport
from replui.config import Config, NodeConfig
from replui.transport import LocalTransport, Transport, transport_for
from replui.transport.base import Process
from replui.wizards import dumpfile, dumpstream, relay
from replui.wizards.context import StepContext

WIZARDS = Path(replui.transport.__file__).resolve().parent.parent / "wizards"
#: What only the transport package may know about: how a local command is stopped.
LOCAL_ONLY = {"LocalTransport", "LocalProcess", "terminate_tree"}


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """Every import in ``path`` (at any depth: lazy imports inside functions
    count) as ``(module, names)``."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:  # relative: resolve against the file's package
                package = path.resolve().parent
                for _ in range(node.level - 1):
                    package = package.parent
                parts = package.relative_to(WIZARDS.parent.parent).parts
                mod = ".".join([*parts, mod] if mod else parts)
            out.append((mod, [a.name for a in node.names]))
    return out


def wizard_sources() -> list[Path]:
    files = sorted(WIZARDS.glob("*.py"))
    assert len(files) > 10 and WIZARDS / "relay.py" in files
    return files


@pytest.mark.parametrize("path", wizard_sources(), ids=lambda p: p.name)
def test_no_wizard_module_imports_the_local_transport(path):
    for module, names in imports(path):
        assert not module.startswith("replui.transport.local"), f"{path.name} imports {module}"
        if module == "replui.transport":
            bad = (LOCAL_ONLY | {"local"}) & set(names)
            assert not bad, f"{path.name} imports {bad} from replui.transport"


@pytest.mark.parametrize("path", wizard_sources(), ids=lambda p: p.name)
def test_no_wizard_module_reaches_processes_or_private_dirs_around_the_transport(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
            args = node.args
            if len(args) >= 2 and isinstance(args[1], ast.Constant):
                assert args[1].value not in ("close", "terminate_tree", "cleanup"), (
                    f"{path.name}:{node.lineno}: getattr(..., {args[1].value!r}) — it is part of the protocol"
                )
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert (node.value.id, node.attr) not in {("tempfile", "mkdtemp"), ("shutil", "rmtree")}, (
                f"{path.name}:{node.lineno}: {node.value.id}.{node.attr} — "
                "private directories belong to the transport"
            )


@pytest.mark.parametrize("module", [dumpstream, dumpfile], ids=lambda m: m.__name__)
def test_the_dump_paths_share_the_relay_by_public_names_only(module):
    for mod, names in imports(Path(module.__file__)):
        if mod.startswith("replui."):
            private = [n for n in names if n.startswith("_")]
            assert not private, f"{module.__name__} imports private names {private} from {mod}"
    assert not any(mod == "replui.wizards.dumpstream" for mod, _ in imports(Path(dumpfile.__file__)))


def test_the_relay_module_is_public_and_the_stream_path_still_offers_its_names():
    for name in relay.__all__:
        assert not name.startswith("_") and hasattr(relay, name)
    for name in (
        "StreamError",
        "StreamCancelled",
        "DumpResult",
        "Progress",
        "LINE_CAP",
        "STDERR_TAIL",
        "OUTPUT_CAP_LINES",
        "OUTPUT_CAP_BYTES",
    ):
        assert getattr(dumpstream, name) is getattr(relay, name)
    assert dumpfile.DumpResult is relay.DumpResult and issubclass(relay.StreamCancelled, relay.StreamError)


def test_the_protocols_carry_stopping_closing_and_private_dirs():
    for name in ("terminate", "kill", "terminate_tree", "close", "wait"):
        assert hasattr(Process, name)
    for name in ("spawn", "write_private_file", "remove", "make_private_dir", "remove_tree", "cleanup"):
        assert hasattr(Transport, name)


def test_transport_for_gives_every_node_a_new_local_transport_today():
    a, b = (
        transport_for(NodeConfig(name="a")),
        transport_for(NodeConfig(name="b", host="db2.example", port=3307)),
    )
    assert isinstance(a, LocalTransport) and isinstance(a, Transport)
    assert isinstance(b, LocalTransport) and a is not b


def two_nodes() -> Config:
    return Config(None, (NodeConfig(name="node1"), NodeConfig(name="node2", port=3307)))


def test_the_step_context_gets_each_transport_from_transport_for(monkeypatch):
    seen: list[NodeConfig] = []

    def fake(node: NodeConfig) -> Transport:
        seen.append(node)
        return LocalTransport()

    monkeypatch.setattr(replui.transport, "transport_for", fake)
    ctx = StepContext(two_nodes())
    t1 = ctx.transport("node1")
    assert ctx.transport("node1") is t1  # created once
    t2 = ctx.transport("node2")
    assert t1 is not t2 and [n.name for n in seen] == ["node1", "node2"] and seen[1].port == 3307
    with pytest.raises(KeyError):
        ctx.transport("nope")
    assert not hasattr(ctx, "private_dirs")


async def test_aclose_cleans_up_every_transport_with_its_private_dirs(tmp_path, monkeypatch):
    monkeypatch.setattr(
        replui.transport, "transport_for", lambda node: LocalTransport(tmp_root=str(tmp_path))
    )
    ctx = StepContext(two_nodes())
    d = await ctx.transport("node1").make_private_dir("replui-dump-")
    Path(d, "node1.sql.gz.partial").write_bytes(b"data")
    opt = await ctx.transport("node2").write_private_file(b"[client]\n", ".cnf")
    proc = await ctx.transport("node2").spawn(["sleep", "60"])
    assert os.path.isdir(d) and os.path.exists(opt)
    await ctx.aclose()
    assert list(tmp_path.iterdir()) == []
    assert proc.returncode is not None
    await ctx.aclose()  # idempotent
