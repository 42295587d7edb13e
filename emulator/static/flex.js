/* Flex Message and template renderer: LINE's layout rules in plain DOM and CSS.
   Unknown properties and component types are shown as small markers, never dropped. */
"use strict";
(function (global) {
  const SPACING = {none: "0px", xs: "2px", sm: "4px", md: "8px", lg: "12px", xl: "16px", xxl: "20px"};
  const TEXT_SIZE = {xxs: "11px", xs: "13px", sm: "14px", md: "16px", lg: "19px", xl: "22px",
                     xxl: "29px", "3xl": "35px", "4xl": "48px", "5xl": "74px"};
  const IMAGE_SIZE = {xxs: "40px", xs: "60px", sm: "80px", md: "100px", lg: "120px", xl: "140px",
                      xxl: "160px", "3xl": "180px", "4xl": "200px", "5xl": "220px", full: "100%"};
  const BUBBLE_WIDTH = {nano: "120px", micro: "160px", deca: "220px", hecto: "241px", kilo: "260px",
                        mega: "300px", giga: "386px"};
  const BORDER_WIDTH = {none: "0px", light: "0.5px", normal: "1px", medium: "2px", "semi-bold": "3px", bold: "4px"};
  const RADIUS = {none: "0px", xs: "2px", sm: "4px", md: "8px", lg: "12px", xl: "16px", xxl: "20px"};
  const ALIGN = {start: "flex-start", end: "flex-end", center: "center"};
  const TEXT_ALIGN = {start: "left", end: "right", center: "center"};
  const BLOCK_PADDING = {header: "20px", hero: "0px", body: "20px", footer: "10px"};

  const COMMON = ["type", "flex", "margin", "position", "offsetTop", "offsetBottom", "offsetStart",
                  "offsetEnd", "action", "gravity", "align"];
  const KNOWN = {
    bubble: ["type", "size", "direction", "header", "hero", "body", "footer", "styles", "action"],
    carousel: ["type", "contents"],
    box: COMMON.concat(["layout", "contents", "backgroundColor", "borderColor", "borderWidth",
      "cornerRadius", "width", "maxWidth", "height", "maxHeight", "spacing", "paddingAll",
      "paddingTop", "paddingBottom", "paddingStart", "paddingEnd", "justifyContent", "alignItems",
      "background"]),
    text: COMMON.concat(["text", "contents", "size", "color", "weight", "style", "decoration",
      "wrap", "lineSpacing", "maxLines", "adjustMode", "scaling"]),
    span: ["type", "text", "size", "color", "weight", "style", "decoration"],
    image: COMMON.concat(["url", "size", "aspectRatio", "aspectMode", "backgroundColor", "animated"]),
    icon: ["type", "url", "size", "aspectRatio", "margin", "position", "offsetTop", "offsetBottom",
      "offsetStart", "offsetEnd", "scaling"],
    button: COMMON.concat(["style", "color", "height", "adjustMode", "scaling"]),
    separator: ["type", "margin", "color"],
    spacer: ["type", "size"],
    filler: ["type", "flex"],
    video: ["type", "url", "previewUrl", "altContent", "aspectRatio", "action"],
  };

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function size(value, table) {
    if (value === undefined || value === null) return null;
    return table[value] || String(value);
  }

  function ratio(value, fallback) {
    const parts = String(value || fallback).split(":").map(Number);
    return parts.length === 2 && parts[0] > 0 && parts[1] > 0 ? parts[1] / parts[0] : 1;
  }

  function markUnknown(node, obj, kind) {
    const known = KNOWN[kind];
    if (!known || !obj || typeof obj !== "object") return;
    const extra = Object.keys(obj).filter((k) => known.indexOf(k) < 0);
    if (!extra.length) return;
    const badge = el("span", "flex-unknown", "⚑ " + extra.join(", "));
    badge.title = "Properties the simulator does not render: " +
      extra.map((k) => k + "=" + JSON.stringify(obj[k])).join("; ");
    if (!node.style.position) node.style.position = "relative";
    node.appendChild(badge);
  }

  function clickable(node, action, ctx) {
    if (!action) return;
    node.classList.add("flex-action");
    node.dataset.actionType = action.type || "";
    node.title = action.label || action.displayText || action.uri || action.data || action.text || "";
    node.addEventListener("click", (ev) => { ev.stopPropagation(); ctx.onAction(action); });
  }

  function applyOffsets(node, c) {
    if (c.position === "absolute") node.style.position = "absolute";
    const map = {offsetTop: "top", offsetBottom: "bottom", offsetStart: "left", offsetEnd: "right"};
    Object.keys(map).forEach((k) => {
      if (c[k] !== undefined) {
        if (c.position !== "absolute" && !node.style.position) node.style.position = "relative";
        node.style[map[k]] = size(c[k], SPACING);
      }
    });
  }

  function applyFlex(node, c, parentLayout) {
    const horizontal = parentLayout === "horizontal" || parentLayout === "baseline";
    const fixedWidth = c.flex === undefined && c.width !== undefined;
    const grow = c.flex !== undefined ? Number(c.flex) : (horizontal && !fixedWidth ? 1 : 0);
    if (horizontal) node.style.flex = grow === 0 ? "0 0 auto" : grow + " 0 0";
    else node.style.flex = grow === 0 ? "0 0 auto" : grow + " 0 auto";
    if (horizontal) node.style.minWidth = "0";
  }

  function applyMargin(node, c, parent, index) {
    const parentLayout = parent ? parent.layout : "vertical";
    let gap = null;
    if (index > 0) {
      gap = c.margin !== undefined ? size(c.margin, SPACING) : (parent && parent.spacing ? size(parent.spacing, SPACING) : null);
    }
    if (gap === null || c.position === "absolute") return;
    if (parentLayout === "vertical") node.style.marginTop = gap;
    else node.style.marginLeft = gap;
  }

  function gravity(node, c, parentLayout) {
    if (!c.gravity) return;
    const value = ALIGN[c.gravity === "top" ? "start" : c.gravity === "bottom" ? "end" : c.gravity];
    if (parentLayout === "vertical") {
      node.style.display = node.style.display || "flex";
      node.style.flexDirection = "column";
      node.style.justifyContent = value;
    } else {
      node.style.alignSelf = value;
    }
  }

  function renderComponent(c, ctx, parent, index) {
    if (!c || typeof c !== "object") return el("div");
    const parentLayout = parent ? parent.layout : "vertical";
    const renderer = RENDERERS[c.type];
    let node;
    if (renderer) {
      node = renderer(c, ctx, parentLayout);
      markUnknown(node, c, c.type);
    } else {
      node = el("div", "flex-unknown-component", "unknown component: " + c.type);
      node.title = JSON.stringify(c);
    }
    node.classList.add("fc-" + (c.type || "unknown"));
    if (c.type !== "separator" && c.type !== "spacer" && c.type !== "icon" && c.type !== "span") {
      applyFlex(node, c, parentLayout);
    }
    applyMargin(node, c, parent, index);
    applyOffsets(node, c);
    if (c.type !== "button" && c.type !== "video") clickable(node, c.action, ctx);
    return node;
  }

  function padding(node, c, fallback) {
    const all = c.paddingAll !== undefined ? size(c.paddingAll, SPACING) : fallback;
    if (all !== null && all !== undefined) node.style.padding = all;
    if (c.paddingTop !== undefined) node.style.paddingTop = size(c.paddingTop, SPACING);
    if (c.paddingBottom !== undefined) node.style.paddingBottom = size(c.paddingBottom, SPACING);
    if (c.paddingStart !== undefined) node.style.paddingLeft = size(c.paddingStart, SPACING);
    if (c.paddingEnd !== undefined) node.style.paddingRight = size(c.paddingEnd, SPACING);
  }

  function renderBox(c, ctx, parentLayout, blockPadding) {
    const node = el("div", "flex-box flex-" + (c.layout || "vertical"));
    node.style.display = "flex";
    node.style.flexDirection = c.layout === "vertical" || !c.layout ? "column" : "row";
    if (c.layout === "baseline") node.style.alignItems = "baseline";
    if (c.backgroundColor) node.style.backgroundColor = c.backgroundColor;
    if (c.borderColor) node.style.borderColor = c.borderColor;
    if (c.borderWidth !== undefined) {
      node.style.borderStyle = "solid";
      node.style.borderWidth = size(c.borderWidth, BORDER_WIDTH);
    }
    if (c.cornerRadius !== undefined) node.style.borderRadius = size(c.cornerRadius, RADIUS);
    ["width", "maxWidth", "height", "maxHeight"].forEach((k) => { if (c[k] !== undefined) node.style[k] = c[k]; });
    if (c.width !== undefined) node.style.flex = "none";
    if (c.justifyContent) node.style.justifyContent = c.justifyContent;
    if (c.alignItems) node.style.alignItems = c.alignItems;
    if (c.background && c.background.type === "linearGradient") {
      const stops = [c.background.startColor];
      if (c.background.centerColor) stops.push(c.background.centerColor + " " + (c.background.centerPosition || "50%"));
      stops.push(c.background.endColor);
      node.style.backgroundImage = "linear-gradient(" + (c.background.angle || "0deg") + ", " + stops.join(", ") + ")";
    }
    padding(node, c, blockPadding);
    (c.contents || []).forEach((child, i) => node.appendChild(renderComponent(child, ctx, c, i)));
    gravity(node, c, parentLayout);
    return node;
  }

  function textStyle(node, c) {
    const fontSize = size(c.size, TEXT_SIZE);
    if (fontSize) node.style.fontSize = fontSize;
    if (c.color) node.style.color = c.color;
    if (c.weight === "bold") node.style.fontWeight = "700";
    if (c.style === "italic") node.style.fontStyle = "italic";
    if (c.decoration === "underline") node.style.textDecoration = "underline";
    if (c.decoration === "line-through") node.style.textDecoration = "line-through";
  }

  function renderText(c, ctx, parentLayout) {
    const node = el("div", "flex-text-node");
    const inner = el("p", "flex-text-inner");
    textStyle(node, c);
    if (!c.size) node.style.fontSize = TEXT_SIZE.md;
    if (c.contents && c.contents.length) {
      c.contents.forEach((span) => {
        const s = el("span", "flex-span", span.text);
        textStyle(s, span);
        markUnknown(s, span, "span");
        inner.appendChild(s);
      });
    } else {
      inner.textContent = c.text === undefined ? "" : String(c.text);
    }
    if (c.align) inner.style.textAlign = TEXT_ALIGN[c.align] || c.align;
    if (c.wrap) {
      inner.style.whiteSpace = "pre-wrap";
      inner.style.overflowWrap = "anywhere";
      if (c.maxLines) {
        inner.style.display = "-webkit-box";
        inner.style.webkitBoxOrient = "vertical";
        inner.style.webkitLineClamp = String(c.maxLines);
        inner.style.overflow = "hidden";
      }
    } else {
      inner.style.whiteSpace = "nowrap";
      inner.style.overflow = "hidden";
      if (c.adjustMode === "shrink-to-fit") shrinkToFit(inner);
      else inner.style.textOverflow = "ellipsis";
    }
    if (c.lineSpacing) inner.style.lineHeight = "calc(1.4em + " + c.lineSpacing + ")";
    node.appendChild(inner);
    gravity(node, c, parentLayout);
    return node;
  }

  // As LINE does for adjustMode "shrink-to-fit": a smaller font until the text fits
  // its box. Measured once laid out, so on the next frame.
  function shrinkToFit(inner) {
    inner.classList.add("flex-shrink-to-fit");
    requestAnimationFrame(() => {
      let size = parseFloat(getComputedStyle(inner).fontSize);
      while (inner.scrollWidth > inner.clientWidth && size > 6) {
        size -= 0.5;
        inner.style.fontSize = size + "px";
      }
    });
  }

  function renderImage(c, ctx, parentLayout) {
    const node = el("div", "flex-image-wrap");
    node.style.display = "flex";
    node.style.justifyContent = ALIGN[c.align || "center"] || "center";
    const frame = el("div", "flex-image-frame");
    frame.style.width = size(c.size || "md", IMAGE_SIZE);
    frame.style.maxWidth = "100%";
    const box = el("div", "flex-image-box");
    box.style.paddingBottom = (ratio(c.aspectRatio, "1:1") * 100).toFixed(3) + "%";
    if (c.backgroundColor) box.style.backgroundColor = c.backgroundColor;
    const img = ctx.image(c.url);
    img.style.objectFit = c.aspectMode === "cover" ? "cover" : "contain";
    box.appendChild(img);
    frame.appendChild(box);
    node.appendChild(frame);
    gravity(node, c, parentLayout);
    return node;
  }

  function renderIcon(c, ctx) {
    const img = ctx.image(c.url);
    img.className = "flex-icon-img";
    const h = size(c.size || "md", TEXT_SIZE);
    img.style.height = h;
    img.style.width = "calc(" + h + " / " + ratio(c.aspectRatio, "1:1") + ")";
    const node = el("span", "flex-icon-node");
    node.appendChild(img);
    node.style.flex = "0 0 auto";
    return node;
  }

  function renderButton(c, ctx, parentLayout) {
    const node = el("div", "flex-button-wrap");
    const style = c.style || "link";
    const button = el("button", "flex-button flex-button-" + style, (c.action && c.action.label) || "");
    button.type = "button";
    button.style.height = c.height === "sm" ? "40px" : "52px";
    if (c.color) {
      if (style === "link") button.style.color = c.color;
      else button.style.backgroundColor = c.color;
    }
    clickable(button, c.action, ctx);
    node.appendChild(button);
    gravity(node, c, parentLayout);
    return node;
  }

  function renderSeparator(c, ctx, parentLayout) {
    const node = el("div", "flex-separator-line");
    const color = c.color || "#d4d6da";
    if (parentLayout === "vertical") { node.style.borderTop = "1px solid " + color; node.style.width = "100%"; }
    else { node.style.borderLeft = "1px solid " + color; node.style.alignSelf = "stretch"; }
    node.style.flex = "0 0 auto";
    return node;
  }

  function renderSpacer(c) {
    const node = el("div", "flex-spacer-node");
    node.style.flex = "0 0 " + size(c.size || "md", SPACING);
    return node;
  }

  function renderFiller() {
    return el("div", "flex-filler-node");
  }

  function renderVideo(c, ctx) {
    const node = el("div", "flex-video-node");
    const video = document.createElement("video");
    video.controls = true;
    video.preload = "none";
    video.src = ctx.media(c.url);
    video.poster = ctx.media(c.previewUrl);
    video.style.width = "100%";
    video.style.aspectRatio = String(c.aspectRatio || "16:9").replace(":", "/");
    node.appendChild(video);
    if (c.action) {
      const link = el("button", "flex-button flex-button-link", c.action.label || "ดูเพิ่มเติม");
      clickable(link, c.action, ctx);
      node.appendChild(link);
    }
    return node;
  }

  const RENDERERS = {
    box: (c, ctx, parentLayout) => renderBox(c, ctx, parentLayout),
    text: renderText, image: renderImage, icon: renderIcon, button: renderButton,
    separator: renderSeparator, spacer: renderSpacer, filler: renderFiller, video: renderVideo,
  };

  function renderBubble(b, ctx) {
    const node = el("div", "flex-bubble");
    node.style.width = BUBBLE_WIDTH[b.size || "mega"] || BUBBLE_WIDTH.mega;
    if (b.direction === "rtl") node.dir = "rtl";
    const styles = b.styles || {};
    let first = true;
    ["header", "hero", "body", "footer"].forEach((block) => {
      const part = b[block];
      if (!part) return;
      const blockStyle = styles[block] || {};
      const wrap = el("div", "flex-block flex-block-" + block);
      if (blockStyle.backgroundColor) wrap.style.backgroundColor = blockStyle.backgroundColor;
      if (blockStyle.separator && !first) wrap.style.borderTop = "1px solid " + (blockStyle.separatorColor || "#d4d6da");
      let inner;
      if (part.type === "box") {
        inner = renderBox(part, ctx, "vertical", BLOCK_PADDING[block]);
        markUnknown(inner, part, "box");
        applyOffsets(inner, part);
        clickable(inner, part.action, ctx);
      } else {
        inner = renderComponent(part, ctx, null, 0);
      }
      if (block === "body") wrap.style.flex = "1 0 auto";
      wrap.appendChild(inner);
      node.appendChild(wrap);
      first = false;
    });
    markUnknown(node, b, "bubble");
    clickable(node, b.action, ctx);
    return node;
  }

  function renderContainer(container, ctx) {
    if (!container || typeof container !== "object") return el("div", "flex-unknown-component", "no contents");
    if (container.type === "carousel") {
      const row = el("div", "flex-carousel");
      (container.contents || []).forEach((b) => row.appendChild(renderBubble(b, ctx)));
      markUnknown(row, container, "carousel");
      return row;
    }
    return renderBubble(container, ctx);
  }

  /* Template messages: buttons, confirm, carousel, image_carousel. */

  function actionList(actions, ctx, cls) {
    const list = el("div", cls || "tmpl-actions");
    (actions || []).forEach((a) => {
      const b = el("button", "tmpl-action", a.label || a.type);
      b.type = "button";
      clickable(b, a, ctx);
      list.appendChild(b);
    });
    return list;
  }

  function buttonsCard(t, ctx, aspect, imageSize) {
    const card = el("div", "tmpl-card");
    if (t.thumbnailImageUrl) {
      const box = el("div", "tmpl-thumb");
      box.style.paddingBottom = (aspect === "square" ? 100 : 100 / 1.51).toFixed(2) + "%";
      if (t.imageBackgroundColor) box.style.backgroundColor = t.imageBackgroundColor;
      const img = ctx.image(t.thumbnailImageUrl);
      img.style.objectFit = imageSize === "contain" ? "contain" : "cover";
      box.appendChild(img);
      card.appendChild(box);
    }
    const body = el("div", "tmpl-body");
    if (t.title) body.appendChild(el("div", "tmpl-title", t.title));
    body.appendChild(el("div", "tmpl-text", t.text));
    card.appendChild(body);
    clickable(body, t.defaultAction, ctx);
    card.appendChild(actionList(t.actions, ctx));
    return card;
  }

  function renderTemplate(t, ctx) {
    t = t || {};
    if (t.type === "buttons") return buttonsCard(t, ctx, t.imageAspectRatio, t.imageSize);
    if (t.type === "confirm") {
      const card = el("div", "tmpl-card tmpl-confirm");
      card.appendChild(el("div", "tmpl-body tmpl-text", t.text));
      card.appendChild(actionList(t.actions, ctx, "tmpl-actions tmpl-actions-row"));
      return card;
    }
    if (t.type === "carousel") {
      const row = el("div", "flex-carousel");
      (t.columns || []).forEach((col) => row.appendChild(buttonsCard(col, ctx, t.imageAspectRatio, t.imageSize)));
      return row;
    }
    if (t.type === "image_carousel") {
      const row = el("div", "flex-carousel");
      (t.columns || []).forEach((col) => {
        const cell = el("div", "tmpl-image-cell");
        cell.appendChild(ctx.image(col.imageUrl));
        if (col.action && col.action.label) cell.appendChild(el("div", "tmpl-image-label", col.action.label));
        clickable(cell, col.action, ctx);
        row.appendChild(cell);
      });
      return row;
    }
    const unknown = el("div", "flex-unknown-component", "unknown template: " + t.type);
    unknown.title = JSON.stringify(t);
    return unknown;
  }

  global.LineRender = {renderContainer, renderTemplate, markUnknown, el};
})(window);
