// 适老化 measurements on a page (test_crawl_browser): text under 18 px, tap targets under 44 px.
() => {
  const small = [], tiny = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || !node.textContent.trim() || seen.has(el)) continue;
    seen.add(el);
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || cs.visibility === 'hidden' || el.closest('[hidden],.skip-link,details:not([open]) > :not(summary)')) continue;
    if (parseFloat(cs.fontSize) < 17.5) small.push(el.tagName.toLowerCase() + '.' + el.className + ' ' + cs.fontSize + ' “' + node.textContent.trim().slice(0, 12) + '”');
  }
  const targets = document.querySelectorAll(
    '.topbar a, .topbar button, main button, main .btn, main li > a:first-child, main td > a:first-child, main h2 > a, main h3 > a, .guide-links a, input[type=radio] + label, input[type=checkbox] + label, label:has(> input[type=radio]), label:has(> input[type=checkbox]), summary');
  for (const t of targets) {
    const r = t.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(t).visibility === 'hidden') continue;
    if (r.height < 43.5 || r.width < 43.5) tiny.push(t.tagName.toLowerCase() + ' ' + Math.round(r.width) + '×' + Math.round(r.height) + ' “' + t.textContent.trim().slice(0, 12) + '”');
  }
  return {small: small.slice(0, 5), tiny: tiny.slice(0, 5)};
}
