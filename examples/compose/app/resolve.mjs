// The demo application: resolves a few names through the system resolver (getaddrinfo, as any
// application does) every 15 seconds and prints what it got.
import { lookup } from 'node:dns/promises';

const names = process.argv.slice(2).length
  ? process.argv.slice(2)
  : [
      'monitoring.us-east-2.amazonaws.com',
      'vpce-099deb00b40f00e22-lj2wisx3-us-east-2a.monitoring.us-east-2.vpce.amazonaws.com',
      'example.com',
    ];
const once = process.env.ONCE === '1';

async function round() {
  for (const name of names) {
    try {
      const addrs = await lookup(name, { all: true, family: 4 });
      console.log(`${name} -> ${addrs.map((a) => a.address).join(', ')}`);
    } catch (e) {
      console.log(`${name} -> ${e.code ?? e.message}`);
    }
  }
}

await round();
if (!once) setInterval(round, 15_000);
