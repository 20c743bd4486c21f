// How the visitor reached its clicks: pointer moves before each click, the pointer type, touches, trust.
import { claims } from "./ua.js";

export function watchBehaviour(onClick) {
  const state = { moves: 0, touches: 0, wheels: 0, pointerType: "", clicks: [] };
  const quiet = { capture: true, passive: true };
  window.addEventListener("mousemove", () => { state.moves++; }, quiet);
  window.addEventListener("touchstart", () => { state.touches++; }, quiet);
  window.addEventListener("wheel", () => { state.wheels++; }, quiet);
  window.addEventListener("pointerdown", (e) => { state.pointerType = e.pointerType; }, quiet);
  window.addEventListener("click", (e) => {
    const player = e.target && e.target.closest ? e.target.closest("#player") : null;
    const box = player ? player.getBoundingClientRect() : null;
    state.clicks.push({
      moves: state.moves,
      touches: state.touches,
      pointerType: state.pointerType || e.pointerType || "",
      trusted: e.isTrusted,
      player: !!player,
      dx: box ? e.clientX - (box.left + box.width / 2) : null,
      dy: box ? e.clientY - (box.top + box.height / 2) : null,
    });
    state.moves = 0;
    state.touches = 0;
    state.pointerType = "";
    onClick();
  }, quiet);
  return state;
}

export const BEHAVIOUR_CHECKS = ["click_without_motion", "click_dead_centre", "touch_device_mouse_click", "untrusted_click"];

export function behaviourChecks(report, state) {
  const clicks = state.clicks;
  if (!clicks.length) {
    for (const name of BEHAVIOUR_CHECKS) report(name, null, "no click seen");
    return;
  }
  const mouse = clicks.filter((c) => c.pointerType === "mouse");
  const jumped = mouse.filter((c) => c.moves <= 1);
  report("click_without_motion", jumped.length > 0,
         `${jumped.length} of ${mouse.length} mouse click(s) after at most one mousemove (moves before each: ${mouse.map((c) => c.moves).join(", ") || "-"})`);
  const onPlayer = clicks.find((c) => c.player);
  report("click_dead_centre", onPlayer ? Math.abs(onPlayer.dx) <= 2 && Math.abs(onPlayer.dy) <= 2 : null,
         onPlayer ? `the player was clicked ${onPlayer.dx.toFixed(1)},${onPlayer.dy.toFixed(1)} px from its centre` : "the player was not clicked");
  const touchDevice = claims(navigator.userAgent).mobile || navigator.maxTouchPoints > 0;
  const untouched = clicks.filter((c) => c.pointerType !== "touch" && c.touches === 0);
  report("touch_device_mouse_click", touchDevice && untouched.length > 0,
         touchDevice
           ? `${untouched.length} of ${clicks.length} click(s) without a touch (pointer types: ${clicks.map((c) => c.pointerType || "?").join(", ")}); ${state.wheels} wheel event(s)`
           : "not a touch device");
  const untrusted = clicks.filter((c) => !c.trusted);
  report("untrusted_click", untrusted.length > 0, `${untrusted.length} of ${clicks.length} click(s) not trusted`);
}
