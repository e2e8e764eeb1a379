import { describe, expect, it } from 'vitest';
import { isDefaultRoute, isPrivateAddress } from '../../core/private-ranges.js';

describe('private ranges', () => {
  it.each(['10.1.0.2', '172.31.255.255', '192.168.0.1', '100.64.0.10', '127.0.0.1', '169.254.169.253', '168.63.129.16', 'fd00::53', 'fe80::1', '10.0.0.2:53', '[fd00::1]:53'])(
    '%s is private', (address) => expect(isPrivateAddress(address)).toBe(true));
  it.each(['8.8.8.8', '172.32.0.1', '168.63.129.17', '2001:4860:4860::8888', 'dns.example.com', '', '300.1.1.1'])(
    '%s is outside', (address) => expect(isPrivateAddress(address)).toBe(false));
  it('default and half-default destinations', () => {
    expect(['0.0.0.0/0', '0.0.0.0/1', '128.0.0.0/1', '::/0', '8000::/1'].every(isDefaultRoute)).toBe(true);
    expect(['10.0.0.0/16', '0.0.0.0/10'].some(isDefaultRoute)).toBe(false);
  });
});
