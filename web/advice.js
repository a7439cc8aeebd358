// Right-sizing advice beside the requested-vs-used bars (listenvs' `recommendation`, from
// Prometheus when the platform configured it): per resource the suggested size and the
// evidence, a one-click resize to the suggestion, and per team what could be given back.
// Text only (textContent), like the rest of the page.

import { h } from './views.js';
import { formatBytes, formatCPU } from './format.js';

const ARROW = { shrink: '↓', grow: '↑' };

/** Builds the advice parts of a row: one line under each bar and the resize button. */
export function adviceBlock(key, name) {
  const line = (kind) => {
    const size = h('span', { class: 'advice-size' });
    const evidence = h('span', { class: 'advice-evidence' });
    return { root: h('p', { class: 'advice', dataset: { advice: kind }, hidden: true }, size, evidence), size, evidence };
  };
  const cpu = line('cpu');
  const mem = line('memory');
  const apply = h('button', { type: 'button', class: 'btn btn-small btn-advice', dataset: { action: 'apply-advice', env: key }, hidden: true });
  const note = h('p', { class: 'advice advice-note', dataset: { advice: 'note' }, hidden: true });
  return {
    cpu: cpu.root,
    mem: h('div', {}, mem.root, note, apply),
    /** Shows env's advice; hides everything when there is none. */
    update(env) {
      const r = env.recommendation;
      const sized = r && r.cpu && r.memory;
      setLine(cpu, sized ? r.cpu : null, formatCPU, ' CPU');
      setLine(mem, sized ? r.memory : null, formatBytes, '');
      note.hidden = !(r && r.state === 'historyTooShort');
      if (!note.hidden) note.textContent = `No size advice yet: ${r.message.replace(/^history too short: /, 'history too short, ')}.`;
      // Running: resized in place; Stopped: the next start has the new size.
      const offer = r && r.state === 'resize' && (env.phase === 'Running' || env.phase === 'Stopped');
      apply.hidden = !offer;
      if (offer) {
        apply.replaceChildren(`Resize to ${formatCPU(r.cpu.recommended)} CPU, ${formatBytes(r.memory.recommended)}`,
          h('span', { class: 'visually-hidden', text: ` (${name}, as advised)` }));
      }
    },
  };
}

function setLine(line, advice, format, unit) {
  line.root.hidden = !advice;
  if (!advice) return;
  line.root.dataset.action = advice.action;
  line.size.textContent = advice.action === 'keep'
    ? 'Size fits'
    : `${ARROW[advice.action] || ''} ${format(advice.recommended)}${unit} advised`;
  line.evidence.textContent = advice.evidence;
}

/** The resize the advice asks for, as updateenv takes it; null when there is nothing to do. */
export function adviceChange(env) {
  const r = env.recommendation;
  if (!r || r.state !== 'resize' || !r.cpu || !r.memory) return null;
  return { action: 'resize', cpu: r.cpu.quantity, memory: r.memory.quantity };
}

/**
 * What the shown environments of a team could give back if every shrink advice were taken:
 * {cpuMilli, memoryBytes}. Grow advice does not offset it: that is asked of the team, not
 * given back.
 */
export function reclaimable(envs) {
  let cpuMilli = 0;
  let memoryBytes = 0;
  for (const env of envs) {
    const r = env.recommendation;
    if (!r || r.state !== 'resize') continue;
    if (r.cpu && r.cpu.action === 'shrink') cpuMilli += r.cpu.requested - r.cpu.recommended;
    if (r.memory && r.memory.action === 'shrink') memoryBytes += r.memory.requested - r.memory.recommended;
  }
  return { cpuMilli, memoryBytes };
}

/** The team caption's words for reclaimable(envs), or '' when nothing could be given back. */
export function reclaimText(envs) {
  const { cpuMilli, memoryBytes } = reclaimable(envs);
  if (cpuMilli <= 0 && memoryBytes <= 0) return '';
  const parts = [];
  if (cpuMilli > 0) parts.push(`${formatCPU(cpuMilli)} CPU`);
  if (memoryBytes > 0) parts.push(formatBytes(memoryBytes));
  return `${parts.join(' and ')} could be given back`;
}
