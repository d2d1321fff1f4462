// Structure a screen reader and a keyboard rely on, checked in the rendered page: every form
// control that is shown has a label (label[for], a wrapping label, aria-label or
// aria-labelledby), every image a text alternative, every table a caption or a heading, one
// h1, a main landmark, no heading level skipped, every link and button a name.
() => {
  const problems = [];
  const shown = e => e.offsetParent !== null || getComputedStyle(e).position === 'fixed';
  const name = e => (e.getAttribute('aria-label') || e.textContent || '').trim();
  for (const c of document.querySelectorAll('input, select, textarea')) {
    if (c.type === 'hidden' || !shown(c)) continue;
    const labelled = (c.id && document.querySelector(`label[for="${c.id}"]`)) || c.closest('label')
      || c.getAttribute('aria-label') || c.getAttribute('aria-labelledby');
    if (!labelled) problems.push(`unlabelled ${c.tagName.toLowerCase()}#${c.id || c.name}`);
  }
  for (const i of document.querySelectorAll('img')) {
    if (!i.hasAttribute('alt')) problems.push(`img without alt: ${i.src}`);
  }
  for (const t of document.querySelectorAll('table')) {
    const heading = t.closest('section') && t.closest('section').querySelector('h2, h3');
    if (!t.querySelector('caption') && !heading) problems.push('table without caption');
  }
  if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
  if (!document.querySelector('main')) problems.push('no main landmark');
  let level = 1;
  for (const h of document.querySelectorAll('main h1, main h2, main h3, main h4')) {
    const now = Number(h.tagName[1]);
    if (now > level + 1) problems.push(`heading skips a level: ${h.tagName} "${name(h).slice(0, 40)}"`);
    level = now;
  }
  for (const e of document.querySelectorAll('a[href], button')) {
    if (shown(e) && !name(e)) problems.push(`${e.tagName.toLowerCase()} without a name`);
  }
  return problems;
}
