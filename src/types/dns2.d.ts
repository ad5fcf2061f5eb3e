/** The part of dns2 (2.x, no bundled types) that the `query` command uses. */
declare module 'dns2' {
  interface Question {
    name: string;
    type: number;
    class: number;
  }
  interface Resource {
    name: string;
    type: number;
    class: number;
    ttl: number;
    address?: string;
    domain?: string;
    ns?: string;
    primary?: string;
    admin?: string;
    serial?: number;
    refresh?: number;
    retry?: number;
    expiration?: number;
    minimum?: number;
    data?: unknown;
  }
  class Packet {
    header: {
      id: number;
      qr: number;
      opcode: number;
      aa: number;
      tc: number;
      rd: number;
      ra: number;
      z: number;
      rcode: number;
    };
    questions: Question[];
    answers: Resource[];
    authorities: Resource[];
    additionals: Resource[];
    toBuffer(): Buffer;
    static parse(buf: Buffer): Packet;
    static TYPE: Record<string, number>;
    static CLASS: Record<string, number>;
  }
  const DNS: { Packet: typeof Packet };
  export default DNS;
  export { Packet };
}
