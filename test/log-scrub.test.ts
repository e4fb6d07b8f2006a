import { AppError } from '@parley/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logError, scrubLogText } from '../packages/functions/src/shared/errors.js';

// Provider and driver errors quote what they were given ("The 'To' number +15550001 is not a valid phone
// number"); the error log keeps their reason but never a phone number or an email address.
describe('the error log', () => {
  afterEach(() => vi.restoreAllMocks());

  it('keeps no phone number or email address from an error or its causes', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line));
    const cause = new Error("error 21211: The 'To' number +1 (555) 000-1234 is not a valid phone number; reply to alice.smith@example.test");
    logError('req-1', new AppError('internal', 'Failed to send SMS to +15550001: provider said no', { cause }));
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).not.toMatch(/555|0001|1234|alice|example\.test/);
    const entry = JSON.parse(line);
    expect(entry.message).toBe('Failed to send SMS to [phone]: provider said no');
    expect(entry.cause[0].message).toContain('[phone] is not a valid phone number; reply to [email]');
  });

  it('leaves identifiers, counts and times alone', () => {
    const text = 'Export f3b01180-c04e-4568-a56e-0f478d1f8f49 failed after 1200 rows at 2026-12-02T15:29:27Z, key prl_HIfxKvJIxIWZ, 1234567';
    expect(scrubLogText(text)).toBe('Export f3b01180-c04e-4568-a56e-0f478d1f8f49 failed after 1200 rows at 2026-12-02T15:29:27Z, key prl_HIfxKvJIxIWZ, [phone]');
  });
});
