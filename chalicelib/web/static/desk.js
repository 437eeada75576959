/* The workspace's own script: keyboard shortcuts, inserting a canned reply, and asking for the pulse
   while the page is visible. Everything here also works without it (forms and links). */
(function () {
  "use strict";

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  // Shortcuts: any element with data-shortcut="<key>" (its aria-keyshortcuts tells assistive technology).
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    var target = document.querySelector('[data-shortcut="' + event.key + '"]');
    if (!target) {
      return;
    }
    event.preventDefault();
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) {
      target.focus();
    } else {
      target.click();
    }
  });

  // Canned replies: "Insert" puts the chosen text at the cursor instead of reloading the page.
  var insert = document.getElementById("canned-insert");
  var choice = document.getElementById("canned-choice");
  var reply = document.getElementById("reply-body");
  if (insert && choice && reply) {
    insert.addEventListener("click", function (event) {
      var option = choice.options[choice.selectedIndex];
      if (!option || !option.dataset.body) {
        return; // a reply whose text the page does not carry: the form asks the page for it
      }
      event.preventDefault();
      var start = reply.selectionStart || 0;
      var end = reply.selectionEnd || 0;
      var text = option.dataset.body;
      reply.value = reply.value.slice(0, start) + text + reply.value.slice(end);
      reply.focus();
      reply.selectionStart = reply.selectionEnd = start + text.length;
    });
  }

  // The pulse: ask every 60 s, only while the page is seen, and at once when it is seen again. It also
  // records that the person is at the desk (their "customer wrote" mails wait while they are).
  var every = 60000;
  function beat() {
    var pulse = document.getElementById("pulse");
    if (pulse && !document.hidden && window.htmx) {
      window.htmx.trigger(pulse, "pulse");
    }
  }
  window.setInterval(beat, every);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      beat();
    }
  });
})();
