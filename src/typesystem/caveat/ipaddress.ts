/**
 * SpiceDB's `ipaddress` caveat type: an IPv4 or IPv6 address with `in_cidr(string) -> bool`
 * (`ip.in_cidr("10.0.0.0/8")`). Node's BlockList does the subnet arithmetic.
 */
import { BlockList, isIP } from "node:net";

export class IpAddress {
  readonly family: "ipv4" | "ipv6";
  constructor(readonly address: string) {
    this.family = isIP(address) === 6 ? "ipv6" : "ipv4";
  }

  /** Is the address inside `cidr` (`10.0.0.0/8`, `2001:db8::/32`)? A malformed CIDR is an error. */
  inCidr(cidr: string): boolean {
    const slash = cidr.lastIndexOf("/");
    const net = slash < 0 ? cidr : cidr.slice(0, slash);
    const family = isIP(net);
    const prefix = slash < 0 ? (family === 6 ? 128 : 32) : Number(cidr.slice(slash + 1));
    const max = family === 6 ? 128 : 32;
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max)
      throw new Error(`invalid CIDR "${cidr}"`);
    if ((family === 6 ? "ipv6" : "ipv4") !== this.family) return false;
    const list = new BlockList();
    list.addSubnet(net, prefix, this.family);
    return list.check(this.address, this.family);
  }

  toString(): string {
    return this.address;
  }
}
