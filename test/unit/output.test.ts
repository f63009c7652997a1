import { afterEach, describe, expect, it } from 'vitest';
import { wantsFancyOutput } from '../../src/ui/output.js';

describe('when ir draws spinners', () => {
  const noColor = process.env.NO_COLOR;
  afterEach(() => {
    if (noColor === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = noColor;
  });

  it('draws them on a sized terminal only', () => {
    delete process.env.NO_COLOR;
    expect(wantsFancyOutput({ isTTY: true, columns: 120 })).toBe(true);
    expect(wantsFancyOutput({ isTTY: false, columns: 120 })).toBe(false);
  });

  it('writes plain lines to a terminal that reports no width, where a spinner would redraw without end', () => {
    delete process.env.NO_COLOR;
    expect(wantsFancyOutput({ isTTY: true, columns: 0 })).toBe(false);
  });

  it('writes plain lines when NO_COLOR is set', () => {
    process.env.NO_COLOR = '1';
    expect(wantsFancyOutput({ isTTY: true, columns: 120 })).toBe(false);
  });
});
