#!/usr/bin/env bash
# Regenerates the bundled sample recordings with espeak-ng and sox (Debian: apt-get install espeak-ng sox).
# The voices are synthetic: their prosody only hints at the emotion (rate, pitch, loudness); the words carry it.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

say() { # out voice rate pitch amplitude text
  espeak-ng -v "$2" -s "$3" -p "$4" -a "$5" -w "$tmp/raw.wav" "$6"
  sox "$tmp/raw.wav" -r 16000 -c 1 -b 16 "$1" pad 0.3 0.4
}

say angry-refund.wav en-us 185 35 190 "This is absolutely unacceptable! I have waited three weeks and I want my money back, right now!"
echo "This is absolutely unacceptable! I have waited three weeks and I want my money back, right now!" > angry-refund.txt

say happy-news.wav en-us+f3 165 80 120 "Oh wow, that is wonderful news! Thank you so much, you made my day!"
echo "Oh wow, that is wonderful news! Thank you so much, you made my day!" > happy-news.txt

say sad-goodbye.wav en-us 105 20 70 "I miss her so much. Everything feels empty since she left."
echo "I miss her so much. Everything feels empty since she left." > sad-goodbye.txt

# a two-speaker call with a WebVTT transcript (as ASR tools write it)
say "$tmp/a1.wav" en-us 150 50 110 "Thank you for calling. How can I help you today?"
say "$tmp/c1.wav" en-us+f2 175 45 170 "My parcel never arrived and nobody answers my emails. I am really fed up."
say "$tmp/a2.wav" en-us 140 50 110 "I am sorry to hear that. I will send a replacement today."
sox "$tmp/a1.wav" "$tmp/c1.wav" "$tmp/a2.wav" call-support.wav
d1=$(soxi -D "$tmp/a1.wav"); d2=$(soxi -D "$tmp/c1.wav"); d3=$(soxi -D "$tmp/a2.wav")
ts() { awk -v s="$1" 'BEGIN { printf "%02d:%06.3f", int(s/60), s - 60*int(s/60) }'; }
e1=$d1; e2=$(awk -v a="$d1" -v b="$d2" 'BEGIN{print a+b}'); e3=$(awk -v a="$e2" -v b="$d3" 'BEGIN{print a+b}')
cat > call-support.vtt <<VTT
WEBVTT

$(ts 0.2) --> $(ts "$(awk -v e="$e1" 'BEGIN{print e-0.3}')")
<v Agent>Thank you for calling. How can I help you today?

$(ts "$(awk -v e="$e1" 'BEGIN{print e+0.2}')") --> $(ts "$(awk -v e="$e2" 'BEGIN{print e-0.3}')")
<v Customer>My parcel never arrived and nobody answers my emails. I am really fed up.

$(ts "$(awk -v e="$e2" 'BEGIN{print e+0.2}')") --> $(ts "$(awk -v e="$e3" 'BEGIN{print e-0.3}')")
<v Agent>I am sorry to hear that. I will send a replacement today.
VTT

# no transcript: segmented by voice activity, speech-only
say "$tmp/n.wav" en-us 150 50 120 "Please hold the line. Your call is important to us."
ffmpeg -loglevel error -y -i "$tmp/n.wav" -codec:a libmp3lame -b:a 48k voicemail.mp3
