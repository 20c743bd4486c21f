"""Which elements of a visited page a visit keeps (with their first attributes): where ad tags and the
publisher ids they carry live. One rule, run in the page by the visit's snapshot (`ELEMENTS_JS`) and in
Python by whoever builds an observation from HTML (`kept(tag, attrs)`: the tag corpus).

Kept, in this order of priority (each group bounded):
- tags that load or hold ads: script[src], iframe, ins, embed, object;
- elements with a data attribute naming an ad-tag setting: a `data-` name with a part such as zone, spot,
  widget, site, pub, banner, placement, slot, unit, client, key (`data-zoneid`, `data-ad-client`,
  `data-banner-id`, `data-ob-template`...);
- containers whose id carries a number and an ad word, or the shape networks give them (`M123ScriptRootC456`,
  `ea_123_node`, `div-gpt-ad-...`);
- site-verification meta tags (`exoclick-site-verification`, `google-site-verification`...): per-site ids."""

from __future__ import annotations

import json
import re

TAGS = ("script", "iframe", "ins", "embed", "object")
DATA_WORDS = (
    "zone", "zoneid", "idzone", "adzone", "ad", "ads", "aa", "adslot", "widget", "spot", "site", "siteid", "sid",
    "pub", "pubid", "publisher", "banner", "placement", "slot", "unit", "client", "key", "sitekey", "template",
    "admpid", "wid", "cid", "rc",
)  # fmt: skip
ID_SHAPE = r"(?:scriptroot|^ea_\d|_node$|^div-gpt-ad|^ts_ad|adsbyjuicy|^ad[-_]?\d|[-_]ad[-_]|banner|zone|widget)"
META_NAME = r"verification$|^verify-|-verify$"
LIMITS = {"tags": 220, "data": 120, "ids": 60, "meta": 20}
MAX_ATTRIBUTES = 12
MAX_VALUE = 300
MAX_SCANNED = 30_000  # elements looked at (a page of a million nodes is not read whole)

_ID = re.compile(ID_SHAPE, re.I)
_META = re.compile(META_NAME, re.I)


def data_attribute(name: str) -> bool:
    """A `data-` attribute whose name has an ad-tag word as one of its parts."""
    if not name.startswith("data-"):
        return False
    return any(part in DATA_WORDS for part in re.split(r"[-_]", name[5:].lower()))


def group(tag: str, attrs: dict) -> str | None:
    """The group an element is kept in (see the module's doc), or None."""
    if tag in TAGS and (tag != "script" or attrs.get("src")):
        return "tags"
    if any(data_attribute(name) for name in attrs):
        return "data"
    element_id = attrs.get("id") or ""
    if element_id and re.search(r"\d", element_id) and _ID.search(element_id):
        return "ids"
    if tag == "meta" and _META.search(attrs.get("name") or "") and attrs.get("content"):
        return "meta"
    return None


ELEMENTS_JS = """
  const ELEMENT_RULE = __RULE__;
  const groups = {tags: [], data: [], ids: [], meta: []};
  const dataWord = (name) => name.startsWith('data-') &&
    name.slice(5).toLowerCase().split(/[-_]/).some(p => ELEMENT_RULE.words.includes(p));
  const idShape = new RegExp(ELEMENT_RULE.id, 'i'), metaName = new RegExp(ELEMENT_RULE.meta, 'i');
  const groupOf = (el) => {
    const tag = el.tagName.toLowerCase();
    if (ELEMENT_RULE.tags.includes(tag) && (tag !== 'script' || el.getAttribute('src'))) return 'tags';
    for (const at of el.attributes) if (dataWord(at.name)) return 'data';
    const id = el.id || '';
    if (id && /\\d/.test(id) && idShape.test(id)) return 'ids';
    if (tag === 'meta' && metaName.test(el.getAttribute('name') || '') && el.getAttribute('content')) return 'meta';
    return null;
  };
  const all = document.querySelectorAll('*');
  for (let i = 0; i < all.length && i < ELEMENT_RULE.scan; i++) {
    const el = all[i], g = groupOf(el);
    if (!g || groups[g].length >= ELEMENT_RULE.limits[g]) continue;
    const attrs = {};
    let n = 0;
    for (const at of el.attributes) {
      if (n++ >= ELEMENT_RULE.maxAttributes || at.name === 'style') continue;
      attrs[at.name] = at.value.slice(0, ELEMENT_RULE.maxValue);
    }
    groups[g].push([el.tagName.toLowerCase(), attrs]);
  }
  out.elements = [].concat(groups.tags, groups.data, groups.ids, groups.meta);
""".replace(
    "__RULE__",
    json.dumps(
        {
            "tags": TAGS,
            "words": DATA_WORDS,
            "id": ID_SHAPE,
            "meta": META_NAME,
            "limits": LIMITS,
            "maxAttributes": MAX_ATTRIBUTES,
            "maxValue": MAX_VALUE,
            "scan": MAX_SCANNED,
        }
    ),
)


def keep(elements: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """The elements (tag, attributes) a visit keeps of these, in their groups' order, bounded."""
    groups: dict[str, list] = {name: [] for name in LIMITS}
    for tag, attrs in elements:
        kind = group(tag, attrs)
        if kind is None or len(groups[kind]) >= LIMITS[kind]:
            continue
        kept_attrs = {}
        for n, (name, value) in enumerate(attrs.items()):
            if n >= MAX_ATTRIBUTES:
                break
            if name != "style":
                kept_attrs[name] = str(value)[:MAX_VALUE]
        groups[kind].append((tag, kept_attrs))
    return [item for name in LIMITS for item in groups[name]]
