// Flying comments (danmaku) over the stage, in five lanes; each bullet
// removes itself when it has crossed. Shared by the viewer and the overlay.
export class Danmaku {
  constructor(container) { this.box = container; this.lane = 0; }
  // fly sends text across; mine marks this viewer's own comment; platform
  // (a livestream platform's name, "douyin") adds a small badge saying where
  // a bridged comment came from.
  fly(text, mine, platform) {
    const d = document.createElement("span");
    d.className = "bullet" + (mine ? " mine" : "");
    if (platform) {
      const b = document.createElement("small");
      b.className = "platform";
      b.dataset.platform = platform;
      b.textContent = platformLabel(platform);
      d.append(b, " ");
      d.dataset.platform = platform;
    }
    d.append(text);
    d.style.setProperty("--lane", this.lane);
    this.lane = (this.lane + 1) % 5;
    d.addEventListener("animationend", () => d.remove());
    this.box.append(d);
  }
}

// Labels of the platforms bridges bring comments from; others show their name.
const labels = { douyin: "抖音", kuaishou: "快手", bilibili: "B站", taobao: "淘宝", wechat: "视频号" };

export function platformLabel(p) { return labels[p] || p; }
