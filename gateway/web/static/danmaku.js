// Flying comments (danmaku) over the stage, in five lanes; each bullet
// removes itself when it has crossed. Shared by the viewer and the overlay.
export class Danmaku {
  constructor(container) { this.box = container; this.lane = 0; }
  // fly sends text across; mine marks this viewer's own comment.
  fly(text, mine) {
    const d = document.createElement("span");
    d.className = "bullet" + (mine ? " mine" : "");
    d.textContent = text;
    d.style.setProperty("--lane", this.lane);
    this.lane = (this.lane + 1) % 5;
    d.addEventListener("animationend", () => d.remove());
    this.box.append(d);
  }
}
