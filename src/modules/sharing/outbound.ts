/**
 * Calls the platform makes on someone's behalf — a provider's proxied REST service, a consumer's
 * webhook — go only to the public internet, unless an administrator allow-lists a target
 * (PROVDATA_OUTBOUND_ALLOW). Otherwise whoever registers the URL could make the server read its own
 * loopback services, the cloud metadata endpoint or the agencies' internal network (SSRF).
 *
 * The check is made on every call, not only at registration: the name is resolved then, every
 * address it resolves to must pass, and the connection is made to the address that was checked (the
 * socket's `lookup` answers with it), so a second resolution (DNS rebinding) cannot differ. Refused:
 * anything that is not ordinary unicast — loopback, private (RFC 1918), link-local (metadata),
 * CGNAT, unique-local, multicast, broadcast, unspecified, reserved and documentation ranges — and the
 * IPv6 forms that carry an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are judged by
 * that IPv4 address. Answers are read as they stream and cut at a size cap.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError, invalid } from '../../core/errors.js';

/** Resolves a host name to its addresses (dns.lookup by default; tests pass their own). */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/** Why an outbound call was refused before any byte left. */
export class OutboundRefused extends Error {
  constructor(readonly reason: string) {
    super(`outbound target refused: ${reason}`);
    this.name = 'OutboundRefused';
  }
}

/** The range an address falls in when it is not ordinary public unicast, else null. */
export function forbiddenRange(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'invalid';
  const ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv4') {
    const range = (ip as ipaddr.IPv4).range();
    return range === 'unicast' ? null : range;
  }
  const v6 = ip as ipaddr.IPv6;
  const range = v6.range();
  const bytes = v6.toByteArray();
  const v4 = (at: number) => ipaddr.fromByteArray(bytes.slice(at, at + 4)).toString();
  if (range === 'ipv4Mapped' || range === 'rfc6145') return forbiddenRange(v6.toIPv4Address().toString());
  // NAT64's well-known prefix (64:ff9b::/96) reaches the IPv4 address in its last 32 bits; the
  // local-use prefix (64:ff9b:1::/48) is for the operator's own network.
  if (range === 'rfc6052') return bytes.slice(4, 12).every((b) => b === 0) ? forbiddenRange(v4(12)) : 'rfc6052';
  if (range === '6to4') return forbiddenRange(v4(2));
  // IPv4-compatible (::a.b.c.d, deprecated): still routed to the IPv4 address by some stacks.
  if (bytes.slice(0, 12).every((b) => b === 0) && range !== 'unspecified' && range !== 'loopback') return forbiddenRange(v4(12));
  return range === 'unicast' ? null : range;
}

/** The host of a URL as it is resolved: without IPv6 brackets and without a trailing dot, lower case. */
const hostOf = (u: URL) => u.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();

/**
 * The administrator's allow-list and the resolver. Entries are host names (matched exactly, case and
 * a trailing dot aside) or IP addresses and CIDR ranges (matched against the resolved address).
 */
export class OutboundPolicy {
  private readonly hosts = new Set<string>();
  private readonly ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];

  /** @throws Error for an entry that is neither a host name nor an IP/CIDR (config checks them first). */
  /** @param resolver how names are resolved (dns.lookup); replaceable, e.g. by a deployment's own resolver or a test's. */
  constructor(allow: readonly string[] = [], public resolver: Resolver = systemResolver) {
    for (const raw of allow) {
      const e = raw.trim().toLowerCase().replace(/\.$/, '');
      if (!e) continue;
      if (ipaddr.isValidCIDR(e)) this.ranges.push(ipaddr.parseCIDR(e));
      else if (ipaddr.isValid(e)) {
        const ip = ipaddr.parse(e);
        this.ranges.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
      } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(e)) this.hosts.add(e);
      else throw new Error(`outbound allow-list entry is neither a host name nor an IP/CIDR: ${raw}`);
    }
  }

  private allowedAddress(address: string): boolean {
    const ip = ipaddr.process(address);
    return this.ranges.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits));
  }

  /**
   * Resolves the URL's host and checks every address. @returns the address to connect to.
   * @throws OutboundRefused when the host does not resolve or any address is refused.
   */
  async pin(u: URL): Promise<{ address: string; family: 4 | 6 }> {
    const host = hostOf(u);
    let addresses: { address: string; family: number }[];
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
    else {
      try {
        addresses = await this.resolver(host);
      } catch {
        throw new OutboundRefused('the host name does not resolve');
      }
    }
    if (!addresses.length) throw new OutboundRefused('the host name does not resolve');
    if (!this.hosts.has(host)) {
      const bad = addresses.find((a) => !this.allowedAddress(a.address) && forbiddenRange(a.address) !== null);
      if (bad) throw new OutboundRefused(`${host} resolves to a ${forbiddenRange(bad.address)} address`);
    }
    const first = addresses[0]!;
    return { address: first.address, family: first.family === 6 ? 6 : 4 };
  }
}

/**
 * Checks a URL the platform will call on someone's behalf: http(s) only, no credentials in it, and a
 * host that resolves to an allowed address now (it is checked again at every call).
 * @throws AppError VALIDATION_FAILED
 */
export async function checkOutboundUrl(raw: string, field: string, policy: OutboundPolicy): Promise<URL> {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw invalid({ vi: 'Địa chỉ URL không hợp lệ', en: 'Invalid URL' }, [{ field, message: 'invalid URL' }]);
  }
  if (!['http:', 'https:'].includes(u.protocol) || u.username || u.password || raw.length > 2000) {
    throw invalid({ vi: 'URL phải là http(s) và không chứa tên người dùng hay mật khẩu', en: 'The URL must be http(s), without credentials' }, [{ field, message: 'URL not allowed' }]);
  }
  try {
    await policy.pin(u);
  } catch (e) {
    if (!(e instanceof OutboundRefused)) throw e;
    throw invalid(
      { vi: 'URL trỏ tới mạng nội bộ, địa chỉ đặc biệt hoặc tên miền không phân giải được; quản trị viên có thể cho phép qua PROVDATA_OUTBOUND_ALLOW', en: `The URL is not allowed (${e.reason}); an administrator may allow it with PROVDATA_OUTBOUND_ALLOW` },
      [{ field, message: 'URL not allowed' }],
    );
  }
  return u;
}

export interface OutboundAnswer {
  status: number;
  body: Buffer;
}

/** The answer was bigger than the cap: the connection was cut when the cap was passed. */
export class OutboundTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`outbound answer over ${maxBytes} bytes`);
    this.name = 'OutboundTooLarge';
  }
}

/**
 * One HTTP(S) call to a checked, pinned address, without following redirects; the answer is read as
 * it streams and the connection destroyed once it passes `maxBytes`.
 * @throws OutboundRefused (target), OutboundTooLarge (answer), Error (network, timeout)
 */
export async function outboundRequest(
  policy: OutboundPolicy,
  url: URL,
  o: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; timeoutMs: number; maxBytes: number },
): Promise<OutboundAnswer> {
  const pinned = await policy.pin(url);
  // The socket asks this for the host's address: it gets the one checked above, whatever DNS says now.
  const lookup = ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (opts?.all) cb(null, [{ address: pinned.address, family: pinned.family }]);
    else cb(null, pinned.address, pinned.family);
  }) as unknown as LookupFunction;
  const options: RequestOptions = {
    method: o.method ?? 'GET',
    headers: { ...(o.headers ?? {}), ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}) },
    lookup,
    timeout: o.timeoutMs,
    signal: AbortSignal.timeout(o.timeoutMs),
    // No connection reuse: every call is pinned (and checked) anew.
    agent: false,
  };
  return new Promise<OutboundAnswer>((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res: IncomingMessage) => {
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > o.maxBytes) {
        req.destroy();
        reject(new OutboundTooLarge(o.maxBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > o.maxBytes) {
          req.destroy();
          reject(new OutboundTooLarge(o.maxBytes));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** The refusal a gateway caller sees when the provider's service may not be called. */
export const upstreamRefused = () =>
  new AppError('UPSTREAM_FAILED', { vi: 'Địa chỉ dịch vụ nguồn không được phép (mạng nội bộ hoặc địa chỉ đặc biệt)', en: 'The upstream address is not allowed (internal network or special address)' });
