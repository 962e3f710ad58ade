// Caseline layout helpers: plain script, so they work with no connection.
(() => {
  'use strict';

  // The skip link: a fragment link only moves the caret, so put focus on the page body itself;
  // screen readers then start reading there.
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a.skip-link');
    const main = link && document.getElementById('main');
    if (!main) return;
    event.preventDefault();
    main.focus();
    main.scrollIntoView();
  });

  // On a phone, Add interaction is fixed above the bottom bar, so returning focus to it (as
  // assets/outbox.js does when the form closes) does not scroll. Show the timeline instead,
  // where a saved note appears, rather than leaving the reader wherever the form's Save was.
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      const wrapper = m.target;
      if (wrapper.id !== 'interaction-form-wrapper' || !wrapper.hidden || m.oldValue !== null) continue;
      const opener = document.getElementById('open-interaction-form');
      if (!opener || getComputedStyle(opener).position !== 'fixed') continue;
      const timeline = document.getElementById('timeline');
      if (timeline) timeline.scrollIntoView({block: 'start'});
    }
  }).observe(document.documentElement, {subtree: true, attributes: true,
    attributeFilter: ['hidden'], attributeOldValue: true});
})();
