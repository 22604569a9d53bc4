// Keyboard shortcuts of the grading queue and the grading screen (progressive enhancement:
// every action is also a link or a button). Keys are never taken while the grader types in a
// field, nor together with Ctrl, Alt or Meta, so browser and screen-reader shortcuts keep working.
//
// Queue ([data-queue]): j or ArrowDown / k or ArrowUp move through the rows, Enter opens the
// current row, n takes the next ungraded submission.
// Grading screen ([data-grading-screen]): s saves, n saves and opens the next ungraded one,
// r saves and marks the review ready. The shortcuts are listed on both pages.
(() => {
  "use strict";

  const isTyping = (element) =>
    element instanceof HTMLElement &&
    (element.isContentEditable || element.closest("input, textarea, select") !== null);

  const queueRows = (queue) => Array.from(queue.querySelectorAll("[data-queue-row]"));

  function moveTo(rows, index) {
    rows.forEach((row) => row.removeAttribute("aria-current"));
    const row = rows[index];
    if (!row) return;
    row.setAttribute("aria-current", "true");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function onQueueKey(event, queue) {
    const rows = queueRows(queue);
    const current = rows.findIndex((row) => row.getAttribute("aria-current") === "true");
    switch (event.key) {
      case "j":
      case "ArrowDown":
        moveTo(rows, Math.min(current + 1, rows.length - 1));
        return true;
      case "k":
      case "ArrowUp":
        moveTo(rows, Math.max(current - 1, 0));
        return true;
      case "Enter": {
        // A focused link or button opens itself; only a selected row needs our help.
        if (event.target.closest("a, button")) return false;
        const link = rows[current] && rows[current].querySelector("[data-open]");
        if (!link) return false;
        link.click();
        return true;
      }
      case "n": {
        const next = document.getElementById("next-form");
        if (!next) return false;
        next.requestSubmit();
        return true;
      }
      default:
        return false;
    }
  }

  function onScreenKey(event, screen) {
    const action = { s: "save", n: "next", r: "ready" }[event.key];
    if (!action) return false;
    const form = screen.querySelector("form[data-review-form]");
    const button = form && form.querySelector(`button[name="action"][value="${action}"]`);
    if (!button || button.disabled) return false;
    form.requestSubmit(button);
    return true;
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
    if (isTyping(event.target)) return;
    const queue = document.querySelector("[data-queue]");
    const screen = document.querySelector("[data-grading-screen]");
    const handled =
      (queue !== null && onQueueKey(event, queue)) ||
      (screen !== null && onScreenKey(event, screen));
    if (handled) event.preventDefault();
  });
})();
