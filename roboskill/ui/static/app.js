// roboskill dashboard: the chat panel (the only interactive part; everything else is server-rendered).
(function () {
  const form = document.getElementById("chat-form");
  if (!form) return;
  const log = document.getElementById("chat-log");
  const input = document.getElementById("chat-text");
  let runId = form.dataset.runId || null;
  function add(cls, text) {
    const div = document.createElement("div");
    div.className = "msg " + cls;
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  }
  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    add("you", "you: " + text);
    input.value = "";
    const button = form.querySelector("button");
    button.disabled = true;
    add("bot muted", "… working (training can take a while)");
    try {
      const res = await fetch("/api/chat", { method: "POST", headers: { "Content-Type": "application/json" },
                                             body: JSON.stringify({ run_id: runId, text: text }) });
      const data = await res.json();
      log.removeChild(log.lastChild);
      if (!res.ok) { add("bot", "error: " + (data.detail || data.error || res.status)); return; }
      runId = data.run_id || runId;
      let out = data.reply ? data.reply + "\n" : "";
      if (data.pending) {
        const p = data.pending.proposal || data.pending;
        out += "proposal awaiting approval: " + (p.name || "") + " — " + (p.description || JSON.stringify(p)) +
               "\n(type: approve | edit <text> | reject <reason>)\n";
      }
      if (data.directives && data.directives.length) out += "directives: " + data.directives.map(d => d.text || JSON.stringify(d)).join("; ") + "\n";
      out += "status: " + (data.status || "?") + (data.run_id ? "  (run " + data.run_id + ")" : "");
      add("bot", out);
    } catch (err) {
      log.removeChild(log.lastChild);
      add("bot", "error: " + err);
    } finally {
      button.disabled = false;
    }
  });
})();
