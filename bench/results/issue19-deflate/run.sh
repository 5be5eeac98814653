#!/bin/bash
# fleet csms in its own process; fleet run --deflate 0 and 1 against it, alternating; CSMS CPU and bytes read from /proc
cd /work/main && . .venv/bin/activate
P=18931
setsid fleet csms --port $P < /dev/null > /tmp/defl/csms.log 2>&1 &
CSMS=$!
sleep 3
stat_cpu() { awk '{print $14+$15}' /proc/$CSMS/stat; }
rchar() { awk '/^rchar/{print $2}' /proc/$CSMS/io; }
wchar() { awk '/^wchar/{print $2}' /proc/$CSMS/io; }
for round in 1 2; do
for d in 0 1; do
  c0=$(stat_cpu); r0=$(rchar); w0=$(wchar)
  python ../shared/tools/cpu_per_message.py deflate$d 8 -- fleet run --csms ws://127.0.0.1:$P --stations 500 --duration 30 --deflate $d --out /tmp/defl/r$d.$round.json > /tmp/defl/h$d.$round.txt 2>&1
  c1=$(stat_cpu); r1=$(rchar); w1=$(wchar)
  msgs=$(python -c "import json;s=json.load(open('/tmp/defl/r$d.$round.json'));print(s['messages_total'] if 'messages_total' in s else sum(a['sent'] for a in s['actions'].values()))")
  echo "deflate=$d round=$round csms_cpu_ticks=$((c1-c0)) csms_rchar=$((r1-r0)) csms_wchar=$((w1-w0)) messages=$msgs" >> /tmp/defl/csms.txt
done
done
kill $CSMS
