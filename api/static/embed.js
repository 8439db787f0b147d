/* Embed the deskpilot widget on any page:
   <script src="https://deskpilot.example/widget.js" data-api-key="dp_..."></script>
   Adds a floating button that opens the widget in an iframe served by the same deskpilot. */
(function () {
  "use strict";
  const script = document.currentScript;
  if (!script) return;
  const origin = new URL(script.src).origin;
  const key = script.getAttribute("data-api-key") || "";
  const src = origin + "/widget" + (key ? "#key=" + encodeURIComponent(key) : "");
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = script.getAttribute("data-label") || "Ask deskpilot";
  button.setAttribute("data-deskpilot", "launcher");
  Object.assign(button.style, {
    position: "fixed", right: "20px", bottom: "20px", zIndex: 2147483646, padding: "10px 16px",
    border: "0", borderRadius: "20px", background: "#3b82f6", color: "#fff", cursor: "pointer",
    font: "14px system-ui, sans-serif", boxShadow: "0 4px 12px rgba(0,0,0,.2)",
  });
  let frame = null;
  button.addEventListener("click", () => {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.src = src;
      frame.title = "deskpilot";
      frame.setAttribute("data-deskpilot", "frame");
      Object.assign(frame.style, {
        position: "fixed", right: "20px", bottom: "70px", width: "720px", maxWidth: "calc(100vw - 40px)",
        height: "560px", maxHeight: "calc(100vh - 90px)", border: "1px solid #d1d5db", borderRadius: "12px",
        zIndex: 2147483647, background: "#fff", boxShadow: "0 8px 30px rgba(0,0,0,.25)",
      });
      document.body.appendChild(frame);
    } else {
      frame.hidden = !frame.hidden;
    }
  });
  document.body.appendChild(button);
})();
