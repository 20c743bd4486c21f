"""Assemble the sandbox: one SandboxApp serving every host of the world."""

from __future__ import annotations

from . import adstxt, chains, decoys, hostile, miners, networks, prebid, sites, thirdparty, weight
from .app import SandboxApp
from .world import World, load_world


def build_app(world: World | None = None) -> SandboxApp:
    world = world or load_world()
    app = SandboxApp()
    thirdparty.register(app)  # first: it says clearly when node_modules/ is missing
    for module in (chains, networks, sites, weight, prebid, miners, decoys, hostile, adstxt):
        module.register(app, world)
    return app
