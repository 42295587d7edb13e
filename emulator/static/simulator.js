/* Chat simulator: a LINE-like chat driven through the emulator's control API. */
"use strict";
(function () {
  const R = window.LineRender;
  const el = R.el;
  const $ = (id) => document.getElementById(id);
  const state = {
    users: [], userId: null, seq: 0, entries: [], botName: "Official Account", lastDate: null,
    lastSender: null, menu: null, menuId: null, menuOpen: false, mode: "keyboard", selectedSeq: null,
    tab: "json", pendingDatetime: null, polling: false,
  };

  async function api(path, options) {
    const opts = Object.assign({headers: {"Content-Type": "application/json"}}, options || {});
    const resp = await fetch(path, opts);
    const body = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(body.error || body.message || resp.status + " " + resp.statusText);
    return body;
  }

  function toast(text) {
    const t = $("toast");
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.hidden = true; }, 2600);
  }

  function mediaUrl(url) {
    if (!url) return "";
    return url.startsWith("/") ? url : "/_emulator/media?url=" + encodeURIComponent(url);
  }

  function image(url, cls) {
    const img = document.createElement("img");
    img.src = mediaUrl(url);
    img.alt = "";
    img.loading = "lazy";
    if (cls) img.className = cls;
    return img;
  }

  const ICONS = {
    image: '<rect x="3" y="5" width="18" height="14" rx="2"/><circle cx="9" cy="10" r="1.6"/><path d="M4 17l5-5 4 4 3-3 4 4"/>',
    camera: '<path d="M4 8h3l2-2h6l2 2h3v11H4z"/><circle cx="12" cy="13" r="3.5"/>',
    pin: '<path d="M12 21s-6-6.2-6-11a6 6 0 0 1 12 0c0 4.8-6 11-6 11z"/><circle cx="12" cy="10" r="2.2"/>',
    keyboard: '<rect x="2.5" y="6" width="19" height="12" rx="2"/><path d="M6 10h1M9 10h1M12 10h1M15 10h1M18 10h0M7 14h10"/>',
    grid: '<rect x="3" y="5" width="18" height="14" rx="2"/><path d="M3 12h18M9 5v14M15 5v14"/>',
    sticker: '<circle cx="12" cy="12" r="9"/><path d="M8.5 14.5c1.8 2 5.2 2 7 0"/><path d="M9 9.5h.01M15 9.5h.01"/>',
    file: '<path d="M6 3h8l4 4v14H6z"/><path d="M14 3v4h4"/>',
  };

  function icon(name) {
    const span = document.createElement("span");
    span.className = "ico-wrap";
    span.innerHTML = '<svg class="ico" viewBox="0 0 24 24" aria-hidden="true">' + ICONS[name] + "</svg>";
    return span;
  }

  const ctx = {onAction: (a) => performAction(a), image: (url) => image(url), media: mediaUrl};

  // A Thai vowel written before its consonant (เ แ โ ใ ไ) is no initial: "เทศบาล" → "ท".
  function initials(name) { return ((name || "?").trim().replace(/^[\u0E40-\u0E44]/, "") || "?").slice(0, 1).toUpperCase(); }
  function hhmm(iso) { const d = new Date(iso); return d.toLocaleTimeString("th-TH", {hour: "2-digit", minute: "2-digit"}); }
  function dayLabel(iso) {
    const d = new Date(iso);
    return d.toDateString() === new Date().toDateString() ? "วันนี้"
      : d.toLocaleDateString("th-TH", {weekday: "short", day: "numeric", month: "short", year: "numeric"});
  }

  /* users */

  async function loadUsers() {
    const data = await api("/_emulator/users");
    state.users = data.users;
    const list = $("user-list");
    list.textContent = "";
    state.users.forEach((u) => {
      const li = el("li", (u.userId === state.userId ? "selected " : "") + (u.following ? "" : "blocked"));
      li.dataset.userId = u.userId;
      li.appendChild(el("span", "avatar", initials(u.displayName)));
      li.appendChild(el("span", "", u.displayName + (u.following ? "" : " (บล็อก)")));
      li.addEventListener("click", () => selectUser(u.userId));
      list.appendChild(li);
    });
    const current = state.users.find((u) => u.userId === state.userId);
    $("block-toggle").textContent = current && !current.following ? "เลิกบล็อก (follow)" : "บล็อก (unfollow)";
    $("block-toggle").hidden = !current;
  }

  async function createUser(ev) {
    ev.preventDefault();
    const name = $("new-user-name").value.trim();
    if (!name) return;
    try {
      const result = await api("/_emulator/users", {method: "POST", body: JSON.stringify({displayName: name})});
      $("new-user-name").value = "";
      await loadUsers();
      await selectUser(result.userId);
      if (result.status === null || result.status >= 300) toast("บอทตอบ webhook: " + (result.status || result.error));
    } catch (err) { toast("เพิ่มผู้ใช้ไม่สำเร็จ: " + err.message); }
  }

  async function selectUser(userId) {
    state.userId = userId;
    state.seq = 0;
    state.entries = [];
    state.lastDate = null;
    state.lastSender = null;
    state.menuId = null;
    state.selectedSeq = null;
    $("chat").textContent = "";
    $("tab-json").textContent = "";
    const user = state.users.find((u) => u.userId === userId);
    $("chat-user").textContent = user ? "คุยในนาม " + user.displayName : "";
    history.replaceState(null, "", "?user=" + encodeURIComponent(userId));
    await loadUsers();
    await poll();
  }

  /* conversation */

  async function poll() {
    if (!state.userId || state.polling) return;
    state.polling = true;
    try {
      const userId = state.userId;
      const data = await api("/_emulator/users/" + userId + "/conversation?after=" + state.seq);
      if (userId !== state.userId) return;
      data.entries.forEach(addEntry);
      showTyping(data.user.loading);
      if (data.user.shownRichMenuId !== state.menuId) await loadRichMenu();
      updateQuickReplies();
    } catch (err) {
      console.warn("poll failed", err);
    } finally {
      state.polling = false;
    }
  }

  function scrollDown() { const chat = $("chat"); chat.scrollTop = chat.scrollHeight; }

  function addEntry(entry) {
    state.seq = Math.max(state.seq, entry.seq);
    state.entries.push(entry);
    const chat = $("chat");
    const typing = $("typing-row");
    const day = dayLabel(entry.at);
    if (day !== state.lastDate) {
      chat.insertBefore(el("div", "date-chip", day), typing);
      state.lastDate = day;
      state.lastSender = null;
    }
    chat.insertBefore(renderRow(entry), typing);
    addJson(entry);
    scrollDown();
  }

  function renderRow(entry) {
    const fromBot = entry.from === "bot";
    const row = el("div", "row " + (fromBot ? "bot" : "user"));
    row.dataset.seq = entry.seq;
    const content = renderMessage(entry.message, entry);
    const wide = content.classList.contains("flex-carousel") || content.classList.contains("flex-bubble");
    const stack = el("div", "stack" + (wide ? " wide" : ""));
    const firstOfGroup = state.lastSender !== entry.from;
    if (fromBot) {
      const sender = entry.message.sender || {};
      const avatar = el("span", "avatar bot", initials(sender.name || state.botName));
      avatar.style.visibility = firstOfGroup ? "visible" : "hidden";
      row.appendChild(avatar);
      if (firstOfGroup) stack.appendChild(el("div", "sender", sender.name || state.botName));
    }
    const line = el("div", "row " + (fromBot ? "bot" : "user"));
    content.classList.add("msg");
    content.dataset.seq = entry.seq;
    content.addEventListener("click", () => selectJson(entry.seq));
    line.appendChild(content);
    const meta = el("div", "meta");
    if (!fromBot) meta.appendChild(el("span", "read", "อ่านแล้ว"));
    meta.appendChild(el("span", "time", hhmm(entry.at)));
    line.appendChild(meta);
    stack.appendChild(line);
    row.appendChild(stack);
    state.lastSender = entry.from;
    return row;
  }

  function textWithEmojis(message) {
    const node = el("div", "bubble");
    const text = String(message.text || "");
    const emojis = (message.emojis || []).slice().sort((a, b) => a.index - b.index);
    let pos = 0;
    emojis.forEach((e) => {
      if (e.index < pos) return;
      node.appendChild(document.createTextNode(text.slice(pos, e.index)));
      const chip = el("span", "line-emoji", "☺");
      chip.title = "LINE emoji " + e.productId + "/" + e.emojiId;
      node.appendChild(chip);
      pos = e.index + (e.length || 1);
    });
    node.appendChild(document.createTextNode(text.slice(pos)));
    return node;
  }

  function textV2(message) {
    const node = el("div", "bubble");
    const subs = message.substitution || {};
    String(message.text || "").split(/(\{[A-Za-z0-9_]+\})/).forEach((part) => {
      const key = part.startsWith("{") ? part.slice(1, -1) : null;
      const sub = key && subs[key];
      if (!sub) { node.appendChild(document.createTextNode(part)); return; }
      if (sub.type === "emoji") { const chip = el("span", "line-emoji", "☺"); chip.title = sub.productId + "/" + sub.emojiId; node.appendChild(chip); }
      else node.appendChild(el("b", "", "@" + (sub.mentionee && sub.mentionee.userId ? "ผู้ใช้" : "ทุกคน")));
    });
    return node;
  }

  function renderMessage(m, entry) {
    const url = m.contentUrl || m.originalContentUrl;
    switch (m.type) {
      case "text": return textWithEmojis(m);
      case "textV2": return textV2(m);
      case "image": {
        const img = image(m.contentUrl || m.previewImageUrl || m.originalContentUrl, "media");
        const wrap = el("div", "media-wrap");
        wrap.appendChild(img);
        return wrap;
      }
      case "video": {
        const wrap = el("div", "media-wrap");
        const v = document.createElement("video");
        v.controls = true; v.preload = "none"; v.className = "media-video";
        v.src = mediaUrl(url);
        if (m.previewImageUrl) v.poster = mediaUrl(m.previewImageUrl);
        wrap.appendChild(v);
        return wrap;
      }
      case "audio": {
        const wrap = el("div", "bubble");
        const a = document.createElement("audio");
        a.controls = true; a.preload = "none"; a.src = mediaUrl(url);
        wrap.appendChild(a);
        return wrap;
      }
      case "location": {
        const card = el("div", "location-card");
        card.appendChild(el("div", "location-map")).appendChild(icon("pin"));
        const text = el("div", "location-text");
        text.appendChild(el("b", "", m.title || "ตำแหน่ง"));
        text.appendChild(el("span", "", m.address || ""));
        text.appendChild(el("div", "muted", Number(m.latitude).toFixed(5) + ", " + Number(m.longitude).toFixed(5)));
        card.appendChild(text);
        return card;
      }
      case "sticker": {
        const s = el("div", "sticker");
        s.appendChild(icon("sticker"));
        s.appendChild(el("small", "", "sticker " + m.packageId + "/" + m.stickerId));
        return s;
      }
      case "file": {
        const f = el("div", "file-card");
        f.appendChild(icon("file"));
        f.appendChild(el("span", "", (m.fileName || "file") + " · " + (m.fileSize || 0) + " B"));
        return f;
      }
      case "flex": {
        const node = R.renderContainer(m.contents, ctx);
        node.dataset.altText = m.altText || "";
        R.markUnknown(node, Object.fromEntries(Object.entries(m).filter(([k]) => ["type", "altText", "contents", "quickReply", "sender"].indexOf(k) < 0)), "carousel");
        return node;
      }
      case "template": return R.renderTemplate(m.template, ctx);
      case "imagemap": {
        const wrap = el("div", "media-wrap");
        const img = image(m.baseUrl + "/1040", "media");
        img.title = m.altText || "";
        wrap.appendChild(img);
        return wrap;
      }
      default: {
        const node = el("div", "bubble unsupported", "[" + m.type + "] " + (m.altText || "ข้อความชนิดนี้แสดงในแอป LINE เท่านั้น"));
        return node;
      }
    }
  }

  function showTyping(on) {
    let row = $("typing-row");
    if (!row) {
      row = el("div", "row bot");
      row.id = "typing-row";
      row.appendChild(el("span", "avatar bot", initials(state.botName)));
      const dots = el("div", "bubble typing");
      dots.append(el("i"), el("i"), el("i"));
      row.appendChild(dots);
      $("chat").appendChild(row);
    }
    row.hidden = !on;
  }

  /* quick replies */

  function updateQuickReplies() {
    const bar = $("quick-replies");
    const last = state.entries[state.entries.length - 1];
    const items = last && last.from === "bot" && last.message.quickReply ? last.message.quickReply.items || [] : [];
    if (bar.dataset.seq === String(last ? last.seq : "")) return;
    bar.dataset.seq = last ? String(last.seq) : "";
    bar.textContent = "";
    items.forEach((item) => {
      const action = item.action || {};
      const button = el("button", "qr-item");
      button.type = "button";
      button.dataset.actionType = action.type || "";
      if (item.imageUrl) button.appendChild(image(item.imageUrl));
      else if (action.type === "camera") button.appendChild(icon("camera"));
      else if (action.type === "cameraRoll") button.appendChild(icon("image"));
      else if (action.type === "location") button.appendChild(icon("pin"));
      button.appendChild(el("span", "", action.label || action.text || action.type));
      button.addEventListener("click", () => { bar.hidden = true; performAction(action); });
      bar.appendChild(button);
    });
    bar.hidden = items.length === 0;
  }

  /* sending and actions */

  async function send(spec) {
    if (!state.userId) { toast("กรุณาเลือกผู้ใช้ก่อน"); return null; }
    $("quick-replies").hidden = true;
    try {
      const result = await api("/_emulator/users/" + state.userId + "/send", {method: "POST", body: JSON.stringify(spec)});
      if (result.status === null || result.status >= 300) toast("webhook ของบอทตอบ " + (result.status || result.error));
      await poll();
      return result;
    } catch (err) {
      toast("ส่งไม่สำเร็จ: " + err.message);
      return null;
    }
  }

  function applyInputOption(option) {
    if (option === "closeRichMenu") setMenu(false);
    else if (option === "openRichMenu") { setMode("menu"); setMenu(true); }
    else if (option === "openKeyboard") { setMode("keyboard"); $("text-input").focus(); }
  }

  function performAction(action) {
    if (!action || !state.userId) return;
    switch (action.type) {
      case "message": send({type: "text", text: action.text || action.label || ""}); break;
      case "postback":
        send({type: "postback", data: action.data || "", displayText: action.displayText || action.text});
        if (action.inputOption) applyInputOption(action.inputOption);
        break;
      case "uri": openUri(action.uri || ""); break;
      case "datetimepicker": openDatetime(action); break;
      case "camera": case "cameraRoll": pickPhoto(action.type === "camera"); break;
      case "location": $("location-dialog").showModal(); break;
      case "richmenuswitch": switchMenu(action); break;
      case "clipboard":
        (navigator.clipboard ? navigator.clipboard.writeText(action.clipboardText || "") : Promise.resolve())
          .then(() => toast("คัดลอกแล้ว"), () => toast("คัดลอก: " + action.clipboardText));
        break;
      default: toast("การทำงาน " + action.type + " ใช้ได้ในแอป LINE เท่านั้น");
    }
  }

  function openUri(uri) {
    if (uri.startsWith("tel:")) {
      $("tel-number").textContent = uri.slice(4);
      $("tel-dialog").showModal();
    } else if (/^https?:/.test(uri)) {
      window.open(uri, "_blank", "noopener");
    } else {
      toast("เปิดลิงก์: " + uri);
    }
  }

  function openDatetime(action) {
    const input = $("datetime-input");
    const mode = action.mode || "datetime";
    input.type = mode === "date" ? "date" : mode === "time" ? "time" : "datetime-local";
    input.value = action.initial || "";
    input.min = action.min || "";
    input.max = action.max || "";
    $("datetime-title").textContent = action.label || (mode === "time" ? "เลือกเวลา" : "เลือกวันที่");
    state.pendingDatetime = action;
    $("datetime-dialog").showModal();
  }

  function datetimeChosen() {
    const action = state.pendingDatetime;
    state.pendingDatetime = null;
    if ($("datetime-dialog").returnValue !== "send" || !action) return;
    const mode = action.mode || "datetime";
    const value = $("datetime-input").value;
    if (!value) return;
    send({type: "postback", data: action.data || "", params: {[mode]: value}});
  }

  function pickPhoto(camera) {
    const input = $("file-input");
    if (camera) input.setAttribute("capture", "environment"); else input.removeAttribute("capture");
    input.value = "";
    input.click();
  }

  function photoChosen() {
    const file = $("file-input").files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => {
      const base64 = String(reader.result).split(",")[1] || "";
      send({type: "image", base64: base64, contentType: file.type || undefined});
    };
    reader.readAsDataURL(file);
  }

  function locationChosen() {
    if ($("location-dialog").returnValue !== "send") return;
    const form = new FormData($("location-form"));
    send({type: "location", latitude: Number(form.get("latitude")), longitude: Number(form.get("longitude")),
          title: form.get("title") || undefined, address: form.get("address") || undefined});
  }

  async function switchMenu(action) {
    try {
      const result = await api("/_emulator/users/" + state.userId + "/richmenu/switch", {
        method: "POST", body: JSON.stringify({richMenuAliasId: action.richMenuAliasId, data: action.data || ""})});
      if (result.status === null || result.status >= 300) toast("webhook ของบอทตอบ " + (result.status || result.error));
      await loadRichMenu();
      await poll();
    } catch (err) { toast("เปลี่ยนเมนูไม่สำเร็จ: " + err.message); }
  }

  /* rich menu */

  async function loadRichMenu() {
    if (!state.userId) return;
    const data = await api("/_emulator/users/" + state.userId + "/richmenu");
    const changed = data.richMenuId !== state.menuId;
    state.menuId = data.richMenuId;
    state.menu = data.richMenuId ? data : null;
    $("to-menu").hidden = !state.menu;
    if (!state.menu) { setMode("keyboard"); return; }
    if (changed) {
      const def = data.richMenu;
      $("rich-menu-image").src = data.imageUrl || "";
      $("chat-bar-text").textContent = def.chatBarText || "เมนู";
      const areas = $("rich-menu-areas");
      areas.textContent = "";
      (def.areas || []).forEach((area, i) => {
        const b = area.bounds;
        const btn = el("button", "rm-area");
        btn.type = "button";
        btn.dataset.index = i;
        btn.dataset.actionType = area.action.type;
        btn.title = area.action.label || area.action.displayText || area.action.text || area.action.data || area.action.uri || "";
        btn.setAttribute("aria-label", btn.title || "area " + (i + 1));
        btn.style.left = (b.x / def.size.width * 100) + "%";
        btn.style.top = (b.y / def.size.height * 100) + "%";
        btn.style.width = (b.width / def.size.width * 100) + "%";
        btn.style.height = (b.height / def.size.height * 100) + "%";
        btn.addEventListener("click", () => performAction(area.action));
        areas.appendChild(btn);
      });
      if (state.mode !== "menu" || !state.menuOpen) { setMode("menu"); setMenu(Boolean(def.selected) || state.menuOpen); }
    }
  }

  function setMode(mode) {
    state.mode = state.menu ? mode : "keyboard";
    $("menu-mode").hidden = state.mode !== "menu";
    $("keyboard-mode").hidden = state.mode === "menu";
    $("rich-menu").hidden = !(state.mode === "menu" && state.menuOpen && state.menu);
  }

  function setMenu(open) {
    state.menuOpen = open;
    $("chat-bar-arrow").textContent = open ? "▾" : "▴";
    $("rich-menu").hidden = !(state.mode === "menu" && open && state.menu);
    scrollDown();
  }

  /* developer panel */

  function addJson(entry) {
    const d = document.createElement("details");
    d.dataset.seq = entry.seq;
    const m = entry.message;
    d.appendChild(el("summary", "", "#" + entry.seq + " " + hhmm(entry.at) + " " + entry.from + " · " + m.type +
      (entry.via ? " · " + entry.via : "")));
    d.appendChild(el("pre", "", JSON.stringify(entry, null, 2)));
    $("tab-json").appendChild(d);
  }

  function selectJson(seq) {
    state.selectedSeq = seq;
    document.querySelectorAll(".msg.selected").forEach((n) => n.classList.remove("selected"));
    document.querySelectorAll(".msg[data-seq='" + seq + "']").forEach((n) => n.classList.add("selected"));
    showTab("json");
    document.querySelectorAll("#tab-json details").forEach((d) => {
      const hit = d.dataset.seq === String(seq);
      d.classList.toggle("highlight", hit);
      if (hit) { d.open = true; d.scrollIntoView({block: "nearest"}); }
    });
  }

  function statusClass(status) { return status && status < 300 ? "status-ok" : "status-bad"; }

  async function refreshDev() {
    try {
      if (state.tab === "calls") {
        const data = await api("/_emulator/calls");
        renderLog($("tab-calls"), data.calls.slice(-200).reverse(), (c) =>
          [c.at.slice(11, 19), c.method, c.path, c.status].join(" "), (c) => c.status);
      } else if (state.tab === "webhooks") {
        const data = await api("/_emulator/webhooks");
        renderLog($("tab-webhooks"), data.webhooks.slice(-200).reverse(), (w) =>
          [w.at.slice(11, 19), "POST", w.url, w.status === null ? "ERR" : w.status, w.ms + "ms"].join(" "),
          (w) => w.status, (w) => Object.assign({}, w, {body: safeParse(w.body)}));
      }
    } catch (err) { console.warn("dev panel refresh failed", err); }
  }

  function safeParse(text) { try { return JSON.parse(text); } catch (e) { return text; } }

  function renderLog(container, items, summary, status, shape) {
    const key = JSON.stringify(items.length ? [items.length, items[0].at] : []);
    if (container.dataset.key === key) return;
    container.dataset.key = key;
    container.textContent = "";
    items.forEach((item) => {
      const d = document.createElement("details");
      const s = el("summary", statusClass(status(item)), summary(item));
      d.appendChild(s);
      d.appendChild(el("pre", "", JSON.stringify(shape ? shape(item) : item, null, 2)));
      container.appendChild(d);
    });
  }

  function showTab(name) {
    state.tab = name;
    document.querySelectorAll(".tabs button").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
    ["json", "calls", "webhooks"].forEach((t) => { $("tab-" + t).hidden = t !== name; });
    refreshDev();
  }

  /* wiring */

  async function start() {
    [["attach", "image"], ["send-location", "pin"], ["to-keyboard", "keyboard"], ["to-menu", "grid"]].forEach(
      ([id, name]) => { $(id).textContent = ""; $(id).appendChild(icon(name)); });
    $("new-user-form").addEventListener("submit", createUser);
    $("composer").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const text = $("text-input").value;
      if (!text.trim()) return;
      $("text-input").value = "";
      send({type: "text", text: text});
    });
    $("attach").addEventListener("click", () => pickPhoto(false));
    $("file-input").addEventListener("change", photoChosen);
    $("send-location").addEventListener("click", () => $("location-dialog").showModal());
    $("location-dialog").addEventListener("close", locationChosen);
    $("datetime-dialog").addEventListener("close", datetimeChosen);
    $("chat-bar").addEventListener("click", () => setMenu(!state.menuOpen));
    $("to-keyboard").addEventListener("click", () => { setMode("keyboard"); $("text-input").focus(); });
    $("to-menu").addEventListener("click", () => { setMode("menu"); setMenu(true); });
    $("block-toggle").addEventListener("click", async () => {
      const user = state.users.find((u) => u.userId === state.userId);
      if (!user) return;
      await send({type: user.following ? "unfollow" : "follow"});
      await loadUsers();
    });
    document.querySelectorAll(".tabs button").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
    showTyping(false);
    setMode("keyboard");
    try {
      const info = await api("/_emulator/info");
      state.botName = info.botName;
      $("oa-name").textContent = info.botName;
      $("bot-info").textContent = "webhook → " + (info.webhookUrl || "(ยังไม่ได้ตั้ง EMULATOR_WEBHOOK_URL)");
      await loadUsers();
      const wanted = new URLSearchParams(location.search).get("user");
      const initial = state.users.find((u) => u.userId === wanted) || state.users[0];
      if (initial) await selectUser(initial.userId);
    } catch (err) { toast("ติดต่อ emulator ไม่ได้: " + err.message); }
    setInterval(poll, 700);
    setInterval(() => { loadUsers().catch(() => {}); }, 3000);
    setInterval(refreshDev, 1500);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
