/* The inbox follows the chats without reloads (modules/inbox/pages.py).

   Every 3 s (15 s while the tab is hidden) it asks the page's cheap version
   endpoint; when the version changed, it fetches the page's fragment (the list's
   rows, or the open chat's live parts) and swaps in each region marked
   data-live="name". What the staff member is typing is never inside such a
   region, and a region holding the focused field waits for the next round.
   The transcript keeps its scroll position, or stays at the bottom when it was
   there. Loaded from a file only: the office's CSP refuses inline scripts. */
(function () {
  "use strict";

  var VISIBLE_MS = 3000;
  var HIDDEN_MS = 15000;
  var root = document.querySelector("[data-live-root]");
  if (!root) {
    return;
  }
  var version = root.getAttribute("data-version");
  var scroller = root.querySelector("[data-scroll]");
  var stateLine = root.querySelector("[data-live-state]");
  var timer = null;
  var busy = false;
  var stopped = false;

  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48;
  }

  function toBottom() {
    if (scroller) {
      scroller.scrollTop = scroller.scrollHeight;
    }
  }

  function editing(region) {
    var active = document.activeElement;
    return !!active && region.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName);
  }

  function showState(ok) {
    if (!stateLine) {
      return;
    }
    stateLine.hidden = false;
    stateLine.classList.toggle("offline", !ok);
    stateLine.textContent = ok ? "อัปเดตอัตโนมัติ" : "ขาดการเชื่อมต่อกับระบบ กำลังลองใหม่… (หรือโหลดหน้าใหม่)";
  }

  /* Swap the fragment's regions in; the version moves on only when every region was. */
  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-version]");
    if (!fresh) {
      throw new Error("no fragment");
    }
    var stick = scroller ? atBottom() : false;
    var kept = scroller ? scroller.scrollTop : 0;
    var complete = true;
    fresh.querySelectorAll("[data-live]").forEach(function (part) {
      var old = root.querySelector('[data-live="' + part.getAttribute("data-live") + '"]');
      if (!old) {
        return;
      }
      if (editing(old)) {
        complete = false;
        return;
      }
      old.replaceWith(document.importNode(part, true));
    });
    if (scroller) {
      if (stick) {
        toBottom();
      } else {
        scroller.scrollTop = kept;
      }
    }
    if (complete) {
      version = fresh.getAttribute("data-version");
    }
  }

  function get(url) {
    // Marked as background: polling alone does not keep an unattended session alive (admin/auth.py).
    return fetch(url, { credentials: "same-origin", cache: "no-store",
                        headers: { "X-Smartservice-Background": "1" } }).then(function (answer) {
      // A login page after a redirect means the session ended: not something to swap in.
      if (!answer.ok || answer.redirected) {
        var failed = new Error("HTTP " + answer.status);
        failed.status = answer.redirected ? 401 : answer.status;
        throw failed;
      }
      return answer;
    });
  }

  /* Asking again would not help: the session ended, or the chat is no longer this
     staff member's (forwarded to another unit), which the office would refuse
     (and audit) on every round. */
  function stop(status) {
    stopped = true;
    if (stateLine) {
      stateLine.hidden = false;
      stateLine.classList.add("offline");
      if (status === 401) {
        stateLine.textContent = "หมดเวลาการใช้งาน กรุณาโหลดหน้าใหม่แล้วเข้าสู่ระบบอีกครั้ง";
      } else if (root.hasAttribute("data-chat")) {
        stateLine.textContent = "แชทนี้ไม่อยู่ในสิทธิ์ของคุณแล้ว (อาจถูกส่งต่อไปหน่วยงานอื่น) กรุณากลับไปที่กล่องข้อความ";
      } else {
        stateLine.textContent = "หยุดอัปเดตอัตโนมัติแล้ว กรุณาโหลดหน้าใหม่";
      }
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(poll, document.hidden ? HIDDEN_MS : VISIBLE_MS);
  }

  function poll() {
    if (busy || stopped) {
      return;
    }
    busy = true;
    get(root.getAttribute("data-version-url"))
      .then(function (answer) { return answer.json(); })
      .then(function (data) {
        if (data.version === version) {
          return null;
        }
        return get(root.getAttribute("data-fragment-url"))
          .then(function (answer) { return answer.text(); })
          .then(swap);
      })
      .then(function () { showState(true); }, function (failed) {
        if (failed.status === 401 || failed.status === 403 || failed.status === 404) {
          stop(failed.status);
        } else {
          showState(false);
        }
      })
      .then(function () {
        busy = false;
        if (!stopped) {
          schedule();
        }
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (stopped) {
      return;
    }
    if (document.hidden) {
      schedule();
    } else {
      clearTimeout(timer);
      poll();
    }
  });

  /* The reply box: its draft survives the page reloading after another action,
     Ctrl+Enter sends, a picture too big or of another type is refused at once,
     and a second click while sending does nothing. */
  var reply = root.querySelector("form[data-reply]");
  if (reply) {
    var box = reply.querySelector("textarea[name=text]");
    var picture = reply.querySelector("input[type=file]");
    var note = reply.querySelector("[data-picture-note]");
    var draftKey = "inbox-draft-" + root.getAttribute("data-chat");
    var sentKey = draftKey + "-sent";
    try {
      if (sessionStorage.getItem(sentKey) && !document.querySelector(".notice.error")) {
        sessionStorage.removeItem(draftKey);
      }
      sessionStorage.removeItem(sentKey);
      if (!box.value && sessionStorage.getItem(draftKey)) {
        box.value = sessionStorage.getItem(draftKey);
      }
      box.addEventListener("input", function () { sessionStorage.setItem(draftKey, box.value); });
      reply.addEventListener("submit", function () { sessionStorage.setItem(sentKey, "1"); });
    } catch (storageOff) {
      // Without session storage a draft is simply not kept across reloads.
    }
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        reply.requestSubmit();
      }
    });
    picture.addEventListener("change", function () {
      var file = picture.files[0];
      var maxBytes = Number(picture.getAttribute("data-max-bytes"));
      note.textContent = "";
      if (!file) {
        return;
      }
      if (!/^image\/(jpeg|png)$/.test(file.type)) {
        note.textContent = "ส่งได้เฉพาะรูปภาพ JPEG หรือ PNG กรุณาเลือกไฟล์อื่น";
        picture.value = "";
      } else if (file.size > maxBytes) {
        note.textContent = "รูปภาพใหญ่เกิน " + Math.round(maxBytes / 1048576) + " MB กรุณาย่อขนาดรูปก่อนส่ง";
        picture.value = "";
      } else {
        note.textContent = "แนบ " + file.name;
      }
    });
  }
  root.querySelectorAll("form.reply, .canned form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      setTimeout(function () { button.disabled = true; }, 0);
    });
  });

  toBottom();
  if (stateLine) {
    showState(true);
  }
  schedule();
})();
