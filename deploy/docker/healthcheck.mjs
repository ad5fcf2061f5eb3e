// Container HEALTHCHECK: exit 0 when the admin API answers 2xx, 1 otherwise. The slim Node images
// have no curl or wget; Node's own fetch does the job.
const url = process.argv[2] ?? 'http://127.0.0.1:8053/healthz';
const timer = setTimeout(() => process.exit(1), 2500);
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  clearTimeout(timer);
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
