// The owner's page's stylesheet and its one optional script, inline so the
// page is a single answer. The Content-Security-Policy admits exactly these
// two texts by their SHA-256 (computed at start-up), nothing else.
//
// The script only keeps the status part fresh: every 2 s it fetches /live
// and swaps it in, and reloads the whole page when the actions that apply
// have changed (a line linked or unlinked) unless the owner is typing in a
// form. It also submits the hand-off form to the network's emergency
// address page at once. Without JavaScript every part of the page still
// works: the status is as fresh as the last load, and pages that wait on an
// answer reload themselves with <meta http-equiv="refresh">.
#pragma once
#include <string_view>

namespace dialtone::web {

inline constexpr std::string_view kPageStyle =
    ":root{color-scheme:light dark;--fg:#1b1f24;--muted:#5b6470;--bg:#f4f5f7;--card:#fff;--line:#d7dbe0;"
    "--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--accent:#0b57d0}"
    "@media(prefers-color-scheme:dark){:root{--fg:#e6e8eb;--muted:#9aa3ad;--bg:#111418;--card:#1b1f24;"
    "--line:#333a42;--accent:#7cacf8}}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:16px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);"
    "background:var(--bg)}"
    "main{max-width:46rem;margin:0 auto;padding:1rem}"
    "h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.05rem;margin:0 0 .6rem}"
    "section{background:var(--card);border:1px solid var(--line);border-radius:.6rem;padding:.9rem 1rem;"
    "margin:0 0 1rem}"
    "p{margin:.3rem 0}ul{margin:.3rem 0;padding-left:1.2rem}"
    ".muted{color:var(--muted)}.small{font-size:.85rem}"
    ".pill{display:inline-block;padding:.05rem .55rem;border-radius:1rem;font-size:.85rem;font-weight:600;"
    "border:1px solid currentColor}"
    ".ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}"
    ".notice{border-left:4px solid var(--accent);padding:.5rem .8rem;background:var(--card);margin:0 0 1rem}"
    ".alert{border-left:4px solid var(--bad);padding:.4rem .7rem;margin:.4rem 0}"
    ".warning{border-left:4px solid var(--warn);padding:.4rem .7rem;margin:.4rem 0}"
    "form{margin:.5rem 0}"
    "label{display:block;margin:.35rem 0;font-size:.9rem}"
    "input{display:block;width:100%;max-width:24rem;font:inherit;padding:.45rem .55rem;margin-top:.15rem;"
    "border:1px solid var(--line);border-radius:.4rem;background:var(--bg);color:var(--fg)}"
    "button,.button{font:inherit;font-weight:600;padding:.45rem 1rem;border-radius:.4rem;border:1px solid "
    "var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}"
    "button.quiet{background:transparent;color:var(--accent)}"
    ".row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}.row form{margin:0}"
    "ul.choices,ul.plain{padding:0;list-style:none}"
    "ul.choices>li{border:1px solid var(--line);border-radius:.4rem;padding:.5rem .7rem;margin:.4rem 0}"
    "ul.choices form{margin:.3rem 0 0}.address{display:block;font-weight:600}"
    "table{border-collapse:collapse;width:100%;font-size:.9rem}"
    "th,td{text-align:left;padding:.35rem .4rem;border-bottom:1px solid var(--line);vertical-align:top}"
    ".pages{display:flex;gap:1rem;align-items:center;margin-top:.5rem}"
    "@media(max-width:34rem){table,tbody,tr,td{display:block}tr:first-child{display:none}"
    "tr{border-bottom:1px solid var(--line);padding:.3rem 0}td{border:0;padding:.05rem 0}"
    "td[data-label]::before{content:attr(data-label) ': ';color:var(--muted)}}";

inline constexpr std::string_view kPageScript =
    "(function(){"
    "var go=document.getElementById('handoff');if(go){go.submit();return;}"
    "var live=document.getElementById('live');if(!live||!window.fetch)return;"
    "document.addEventListener('input',function(e){if(e.target.form)e.target.form.setAttribute('data-dirty','1');});"
    "setInterval(function(){fetch('/live',{cache:'no-store'}).then(function(r){return r.ok?r.text():null;})"
    ".then(function(t){if(!t)return;var d=document.createElement('div');d.innerHTML=t;var n=d.firstElementChild;"
    "if(!n)return;if(n.getAttribute('data-sig')!==live.getAttribute('data-sig')&&"
    "!document.querySelector('form[data-dirty]')){location.reload();return;}"
    "live.replaceWith(n);live=n;}).catch(function(){});},2000);"
    "})();";

// The owner's signed-in instances (the YNA developer guide's "Managing users'
// signed-in instances"): where a linked line can be signed out remotely.
inline constexpr std::string_view kMyDigitsUrl = "https://mydigits.t-mobile.com";

}  // namespace dialtone::web
