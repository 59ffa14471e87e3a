import { describe, expect, it } from 'vitest';
import {
  assertAllowedAddress,
  classifyAddress,
  allowlistWarnings,
  parseAllowlist,
  WebhookTargetBlockedError,
} from '../../lambdas/adapters/http/target-guard';

// Every refused class with at least one address, the class as reported (ipaddr.js's range names).
const REFUSED: Array<[cls: string, address: string]> = [
  ['loopback', '127.0.0.1'],
  ['loopback', '127.255.255.254'],
  ['loopback', '::1'],
  ['private', '10.0.0.5'],
  ['private', '172.16.0.1'],
  ['private', '172.31.255.255'],
  ['private', '192.168.1.1'],
  ['linkLocal', '169.254.169.254'], // AWS/GCP/Azure instance metadata
  ['linkLocal', '169.254.170.2'], // ECS task metadata
  ['linkLocal', 'fe80::1'],
  ['carrierGradeNat', '100.64.0.1'],
  ['carrierGradeNat', '100.100.100.200'], // Alibaba Cloud metadata
  ['multicast', '224.0.0.1'],
  ['multicast', '239.255.255.250'],
  ['multicast', 'ff02::1'],
  ['unspecified', '0.0.0.0'],
  ['unspecified', '0.1.2.3'],
  ['unspecified', '::'],
  ['broadcast', '255.255.255.255'],
  ['reserved', '240.0.0.1'],
  ['reserved', '192.0.2.1'], // TEST-NET-1
  ['reserved', '198.18.0.1'], // benchmarking (IPv4)
  ['reserved', '2001:db8::1'], // documentation
  ['uniqueLocal', 'fc00::1'],
  ['uniqueLocal', 'fd00:ec2::254'], // AWS instance metadata over IPv6
  ['ipv4Mapped', '::ffff:127.0.0.1'],
  ['ipv4Mapped', '::ffff:10.0.0.1'],
  ['ipv4Mapped', '::ffff:169.254.169.254'],
  ['ipv4Mapped', '::ffff:8.8.8.8'], // refused whatever it embeds (see classifyAddress)
  ['rfc6145', '::ffff:0:a00:1'], // IPv4-translated 10.0.0.1
  ['rfc6052', '64:ff9b::a9fe:a9fe'], // NAT64 of 169.254.169.254
  ['rfc6052', '64:ff9b::808:808'], // NAT64 of 8.8.8.8: refused as well
  ['6to4', '2002:7f00:1::1'], // 6to4 of 127.0.0.1
  ['6to4', '2002:a9fe:a9fe::1'],
  ['teredo', '2001::1'],
  ['deprecatedSiteLocal', 'fec0::1'],
  ['discard', '100::1'],
  ['benchmarking', '2001:2::1'],
  ['nonGlobalUnicast', '::7f00:1'], // IPv4-compatible ::127.0.0.1, 'unicast' to ipaddr.js
  ['nonGlobalUnicast', '::a9fe:a9fe'], // IPv4-compatible ::169.254.169.254
  ['nonGlobalUnicast', '4000::1'], // unallocated
];

const PUBLIC = ['8.8.8.8', '1.1.1.1', '93.184.215.14', '2606:4700:4700::1111', '2001:4860:4860::8888'];

describe('classifyAddress', () => {
  it.each(REFUSED)('refuses %s address %s', (cls, address) => {
    expect(classifyAddress(address)).toEqual({ allowed: false, range: cls });
  });

  it.each(PUBLIC)('allows public unicast %s', (address) => {
    expect(classifyAddress(address)).toEqual({ allowed: true, range: 'unicast' });
  });

  it('covers the cloud metadata addresses through the classes above', () => {
    expect(classifyAddress('169.254.169.254')).toEqual({ allowed: false, range: 'linkLocal' });
    expect(classifyAddress('fd00:ec2::254')).toEqual({ allowed: false, range: 'uniqueLocal' });
    expect(classifyAddress('100.100.100.200')).toEqual({ allowed: false, range: 'carrierGradeNat' });
  });

  it('refuses text that is not a canonical IP address', () => {
    for (const text of ['localhost', '', '0x7f.1', '127.1', '010.0.0.1', '[::1]', '1.2.3.4.5']) {
      expect(classifyAddress(text)).toEqual({ allowed: false, range: 'invalid' });
    }
  });

  it('lets the allowlist through, keeping the real class, and nothing else', () => {
    const allowlist = parseAllowlist('127.0.0.0/8');
    expect(classifyAddress('127.0.0.1', allowlist)).toEqual({ allowed: true, range: 'loopback' });
    expect(classifyAddress('127.10.20.30', allowlist)).toEqual({ allowed: true, range: 'loopback' });
    for (const [cls, address] of REFUSED.filter(([, a]) => !a.startsWith('127.'))) {
      expect(classifyAddress(address, allowlist)).toEqual({ allowed: false, range: cls });
    }
    // An IPv4 block does not open the IPv4-mapped or other IPv6 spellings of the same addresses.
    expect(classifyAddress('::ffff:127.0.0.1', allowlist).allowed).toBe(false);
    expect(classifyAddress('::1', allowlist).allowed).toBe(false);
  });

  it('matches IPv6 allowlist entries', () => {
    const allowlist = parseAllowlist('::1/128, fd00:ec3::/32');
    expect(classifyAddress('::1', allowlist)).toEqual({ allowed: true, range: 'loopback' });
    expect(classifyAddress('fd00:ec3::254', allowlist)).toEqual({ allowed: true, range: 'uniqueLocal' });
    expect(classifyAddress('fd00:ec4::1', allowlist).allowed).toBe(false);
    expect(classifyAddress('127.0.0.1', allowlist).allowed).toBe(false);
  });
});

describe('assertAllowedAddress', () => {
  it('throws an error naming the class and the address, with a distinct code', () => {
    let caught: unknown;
    try {
      assertAllowedAddress('10.0.0.5', []);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WebhookTargetBlockedError);
    expect(caught).toMatchObject({
      code: 'ERR_WEBHOOK_TARGET_BLOCKED',
      address: '10.0.0.5',
      range: 'private',
      message: 'address 10.0.0.5 is private; not an allowed webhook target',
    });
  });

  it('passes public and allowlisted addresses', () => {
    expect(() => assertAllowedAddress('1.1.1.1', [])).not.toThrow();
    expect(() => assertAllowedAddress('::1', parseAllowlist('::1/128'))).not.toThrow();
  });
});

describe('parseAllowlist', () => {
  it('parses comma-separated CIDRs, ignoring blanks and spaces', () => {
    const cidrs = parseAllowlist(' 127.0.0.0/8 , ::1/128,10.1.0.0/16, ');
    expect(cidrs.map(([network, prefix]) => `${network.toString()}/${prefix}`)).toEqual(['127.0.0.0/8', '::1/128', '10.1.0.0/16']);
  });

  it('reads an empty setting as no allowlist', () => {
    expect(parseAllowlist('')).toEqual([]);
    expect(parseAllowlist('  ')).toEqual([]);
  });

  it.each([
    ['127.0.0.1', 'no /prefix length'],
    ['localhost/8', 'not an IP address before the /'],
    ['0x7f.1/8', 'not an IP address before the /'],
    ['10.0.0.0/33', 'prefix length out of range'],
    ['::1/129', 'prefix length out of range'],
    ['10.0.0.0/eight', 'prefix length is not a number'],
    ['10.0.0.0/', 'prefix length is not a number'],
  ])('rejects %s, naming it (%s)', (entry, why) => {
    const attempt = (): unknown => parseAllowlist(`127.0.0.0/8, ${entry}, ::1/128`);
    expect(attempt).toThrow(`"${entry}" is not a CIDR (${why})`);
  });
});

describe('metadata ranges and wide allowlists', () => {
  it.each([
    '169.254.0.0/16',
    '169.254.169.254/32',
    '169.254.170.0/24',
    'fd00:ec2::/32',
    'fd00:ec2::254/128',
    '100.100.100.200/32',
    '::ffff:169.254.0.0/112',
  ])('refuses the metadata range %s as an entry, naming it', (entry) => {
    expect(() => parseAllowlist(`10.0.0.0/8, ${entry}`)).toThrow(`"${entry}" lies in a cloud metadata range`);
  });

  it('keeps the metadata addresses refused under an entry that covers them', () => {
    const everything = parseAllowlist('0.0.0.0/0, ::/0');
    expect(classifyAddress('10.1.2.3', everything).allowed).toBe(true);
    expect(classifyAddress('fd12::1', everything).allowed).toBe(true);
    for (const ip of [
      '169.254.169.254',
      '169.254.170.2',
      'fd00:ec2::254',
      '100.100.100.200',
      '::ffff:169.254.169.254',
      '64:ff9b::a9fe:a9fe',
    ]) {
      expect(classifyAddress(ip, everything).allowed, ip).toBe(false);
    }
  });

  it('warns on wide entries and on entries that cover a metadata range', () => {
    expect(allowlistWarnings(parseAllowlist('10.0.0.0/8, 192.168.0.0/16, fd12:3456::/48'))).toEqual([]);
    const warnings = allowlistWarnings(parseAllowlist('0.0.0.0/0, 169.0.0.0/8, fd00::/8'));
    expect(warnings).toEqual([
      expect.stringContaining('"0.0.0.0/0" is very wide'),
      expect.stringContaining('"0.0.0.0/0" covers 169.254.0.0/16, 100.100.100.200/32; metadata addresses stay refused'),
      expect.stringContaining('"169.0.0.0/8" covers 169.254.0.0/16'),
      expect.stringContaining('"fd00::/8" is very wide'),
      expect.stringContaining('"fd00::/8" covers fd00:ec2::/32'),
    ]);
  });
});
