// The 2D SVG avatar: a figure drawn from parts and coloured per persona
// (persona.look), that breathes and blinks when idle, moves its mouth with
// the speech event's visemes, and shows expressions and gestures.
//
// Every renderer has the same small interface, so another one (a VRM model,
// a video avatar) can replace this module without touching the pages:
//
//   const r = createAvatar(containerElement, look);
//   r.mouth(viseme)      // "rest", "A", "E", "O", "U", "M", "F", "L", "S"
//   r.expression(name)   // "neutral", "happy", "surprised", "thinking", "sad" (others map)
//   r.gesture(name)      // "wave", "point", "nod" (others map); plays once
//   r.destroy()
//
// The container carries data-viseme and data-expression for tests and CSS.
const NS = "http://www.w3.org/2000/svg";

const DEFAULTS = { face: "oval", hair: "bob", hair_color: "#2b1d16", skin: "#f1cfb4", outfit: "#3d6b8c", accent: "#e0a100" };

const FACES = {
  oval: "M60 70 C60 30 140 30 140 70 L140 100 C140 140 118 156 100 156 C82 156 60 140 60 100 Z",
  round: "M56 92 C56 44 144 44 144 92 C144 136 124 154 100 154 C76 154 56 136 56 92 Z",
  heart: "M58 72 C58 32 142 32 142 72 L140 104 C136 132 114 158 100 158 C86 158 64 132 60 104 Z",
};

// Hair: [behind the face, in front of it].
const HAIRS = {
  bob: ["M46 80 C40 14 160 14 154 80 L156 134 L134 134 L138 86 L62 86 L66 134 L44 134 Z",
        "M55 84 C50 24 150 24 145 84 C140 70 130 60 116 58 C104 66 84 68 66 70 C60 74 57 78 55 84 Z"],
  bun: ["M100 2 a22 22 0 1 1 0.1 0 Z M50 82 C46 20 154 20 150 82 Z",
        "M56 80 C54 26 146 26 144 80 C124 58 76 58 56 80 Z"],
  short: ["M52 84 C46 16 154 16 148 84 Z",
          "M56 82 C52 22 148 22 144 82 C140 68 132 60 120 58 C106 54 90 62 76 60 C66 64 60 72 56 82 Z"],
  long: ["M44 80 C38 14 162 14 156 80 L162 200 L128 200 L136 86 L64 86 L72 200 L38 200 Z",
         "M55 84 C52 24 148 24 145 84 C134 60 112 52 100 60 C88 52 66 60 55 84 Z"],
};

const MOUTHS = {
  rest: "M90 128 Q100 132 110 128 Q100 130 90 128 Z",
  A: "M89 125 Q100 122 111 125 Q100 144 89 125 Z",
  E: "M87 126 Q100 122 113 126 Q100 134 87 126 Z",
  O: "M93 126 Q100 118 107 126 Q107 137 100 137 Q93 137 93 126 Z",
  U: "M95 127 Q100 122 105 127 Q105 133 100 133 Q95 133 95 127 Z",
  M: "M90 128 Q100 129 110 128 Q100 129 90 128 Z",
  F: "M90 127 Q100 124 110 127 Q100 132 90 127 Z",
  L: "M90 126 Q100 123 110 126 Q100 135 90 126 Z",
  S: "M89 127 Q100 125 111 127 Q100 131 89 127 Z",
};

// Per expression: brows (left, right), eye scale, rest mouth, blush.
const EXPRESSIONS = {
  neutral: { brows: ["M72 88 Q80 85 88 88", "M112 88 Q120 85 128 88"], eyes: 1, rest: MOUTHS.rest, blush: 0 },
  happy: { brows: ["M72 86 Q80 81 88 86", "M112 86 Q120 81 128 86"], eyes: 0.55, rest: "M88 125 Q100 138 112 125 Q100 131 88 125 Z", blush: 0.55 },
  surprised: { brows: ["M72 80 Q80 73 88 80", "M112 80 Q120 73 128 80"], eyes: 1.3, rest: "M95 126 Q100 120 105 126 Q105 134 100 134 Q95 134 95 126 Z", blush: 0 },
  thinking: { brows: ["M72 84 Q80 79 88 84", "M112 90 Q120 89 128 87"], eyes: 0.85, rest: "M92 129 Q102 128 110 126 Q102 130 92 129 Z", blush: 0, look: [4, -3] },
  sad: { brows: ["M72 88 Q80 84 88 83", "M112 83 Q120 84 128 88"], eyes: 0.8, rest: "M90 131 Q100 123 110 131 Q100 127 90 131 Z", blush: 0, look: [0, 3] },
};
const EXPRESSION_ALIAS = { warm: "happy", excited: "happy", joy: "happy", smile: "happy", shock: "surprised", curious: "thinking", worried: "sad" };
const GESTURE_ALIAS = { present: "point", show: "point", clap: "wave", greet: "wave", bow: "nod", yes: "nod" };

function el(name, attrs, parent) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.append(e);
  return e;
}

// createAvatar draws the avatar for look into container and returns its renderer.
export function createAvatar(container, look) {
  const lk = Object.assign({}, DEFAULTS);
  for (const [k, v] of Object.entries(look || {})) if (v) lk[k] = v;
  const colour = (c, d) => (/^#[0-9a-f]{6}$/i.test(c || "") ? c : d);
  const skin = colour(lk.skin, DEFAULTS.skin), hairC = colour(lk.hair_color, DEFAULTS.hair_color);
  const outfit = colour(lk.outfit, DEFAULTS.outfit), accent = colour(lk.accent, DEFAULTS.accent);
  const hair = HAIRS[lk.hair] || HAIRS.bob;

  container.textContent = "";
  container.dataset.viseme = "rest";
  container.dataset.expression = "neutral";
  container.dataset.gesture = "";
  const svg = el("svg", { viewBox: "0 0 200 300", class: "avatar-svg", role: "img", "aria-hidden": "true" }, container);
  const fig = el("g", { class: "figure" }, svg);
  const body = el("g", { class: "body" }, fig);
  // Arms first, so the torso covers the shoulders.
  const armL = el("g", { class: "arm arm-l" }, body);
  el("path", { d: "M72 198 C52 214 42 248 44 288 L60 288 C60 254 66 230 80 214 Z", fill: outfit, stroke: "rgba(0,0,0,.18)", "stroke-width": 2 }, armL);
  el("circle", { cx: 52, cy: 290, r: 8, fill: skin }, armL);
  const armR = el("g", { class: "arm arm-r" }, body);
  el("path", { d: "M128 198 C148 214 158 248 156 288 L140 288 C140 254 134 230 120 214 Z", fill: outfit, stroke: "rgba(0,0,0,.18)", "stroke-width": 2 }, armR);
  el("circle", { cx: 148, cy: 290, r: 8, fill: skin, class: "hand" }, armR);
  el("path", { d: "M62 300 C60 224 74 194 100 190 C126 194 140 224 138 300 Z", fill: outfit, class: "torso" }, body);
  el("path", { d: "M86 190 L100 214 L114 190 Z", fill: skin }, body);
  el("path", { d: "M88 204 L100 222 L112 204 L100 214 Z", fill: accent, class: "accent" }, body);
  el("rect", { x: 90, y: 150, width: 20, height: 44, fill: skin }, body);

  // The head sits a little low, so the neck is short.
  const head = el("g", { class: "head" }, el("g", { transform: "translate(0 14)" }, fig));
  el("path", { d: hair[0], fill: hairC, class: "hair-back" }, head);
  let mouth, browL, browR, eyes, blush;
  if (lk.image && /^\/assets\//.test(lk.image)) {
    // A merchant's picture as the head; the drawn mouth still speaks.
    el("image", { href: lk.image, x: 50, y: 24, width: 100, height: 136, preserveAspectRatio: "xMidYMid slice" }, head);
    eyes = el("g", {}, head);
    browL = el("path", { d: "", fill: "none" }, head);
    browR = el("path", { d: "", fill: "none" }, head);
    blush = el("g", {}, head);
  } else {
    el("ellipse", { cx: 58, cy: 104, rx: 8, ry: 12, fill: skin }, head);
    el("ellipse", { cx: 142, cy: 104, rx: 8, ry: 12, fill: skin }, head);
    el("path", { d: FACES[lk.face] || FACES.oval, fill: skin, class: "face" }, head);
    blush = el("g", { class: "blush", opacity: 0 }, head);
    el("ellipse", { cx: 74, cy: 116, rx: 9, ry: 5, fill: "#f08a8a" }, blush);
    el("ellipse", { cx: 126, cy: 116, rx: 9, ry: 5, fill: "#f08a8a" }, blush);
    eyes = el("g", { class: "eyes" }, head);
    for (const x of [80, 120]) {
      const eye = el("g", { class: "eye" }, eyes);
      el("ellipse", { cx: x, cy: 102, rx: 7, ry: 8, fill: "#fff" }, eye);
      el("circle", { cx: x, cy: 103, r: 5, fill: "#2a2230", class: "pupil" }, eye);
      el("circle", { cx: x + 2, cy: 100, r: 1.6, fill: "#fff" }, eye);
    }
    browL = el("path", { fill: "none", stroke: hairC, "stroke-width": 3.5, "stroke-linecap": "round", class: "brow brow-l" }, head);
    browR = el("path", { fill: "none", stroke: hairC, "stroke-width": 3.5, "stroke-linecap": "round", class: "brow brow-r" }, head);
    el("path", { d: "M98 110 Q100 116 103 114", fill: "none", stroke: "#c89a7a", "stroke-width": 2, "stroke-linecap": "round" }, head);
    el("path", { d: hair[1], fill: hairC, class: "hair-front" }, head);
  }
  mouth = el("path", { d: MOUTHS.rest, fill: "#7a2636", stroke: "#5a1a28", "stroke-width": 1.5, "stroke-linejoin": "round", class: "mouth", id: "mouth" }, head);

  let expr = EXPRESSIONS.neutral, viseme = "rest";
  function paintMouth() { mouth.setAttribute("d", viseme === "rest" ? expr.rest : MOUTHS[viseme] || MOUTHS.A); }
  function expression(name) {
    name = EXPRESSIONS[name] ? name : EXPRESSION_ALIAS[name] || "neutral";
    expr = EXPRESSIONS[name];
    container.dataset.expression = name;
    browL.setAttribute("d", expr.brows[0]);
    browR.setAttribute("d", expr.brows[1]);
    eyes.style.setProperty("--eye-scale", expr.eyes);
    const [dx, dy] = expr.look || [0, 0];
    eyes.style.setProperty("--look", dx + "px, " + dy + "px");
    blush.setAttribute("opacity", expr.blush);
    paintMouth();
  }
  function mouthTo(v) {
    viseme = MOUTHS[v] ? v : v ? "A" : "rest";
    container.dataset.viseme = viseme;
    paintMouth();
  }
  let gestureTimer = 0;
  function gesture(name) {
    name = ["wave", "point", "nod"].includes(name) ? name : GESTURE_ALIAS[name] || "";
    if (!name) return;
    container.dataset.gesture = name;
    clearTimeout(gestureTimer);
    gestureTimer = setTimeout(() => { container.dataset.gesture = ""; }, name === "point" ? 2600 : 1800);
  }
  // Blink every few seconds, at random, like a person.
  let blinkTimer = 0;
  function blink() {
    container.classList.add("blink");
    setTimeout(() => container.classList.remove("blink"), 140);
    blinkTimer = setTimeout(blink, 2200 + Math.random() * 3500);
  }
  blinkTimer = setTimeout(blink, 1500);
  expression("neutral");
  return {
    mouth: mouthTo,
    expression,
    gesture,
    destroy() { clearTimeout(blinkTimer); clearTimeout(gestureTimer); container.textContent = ""; },
  };
}
