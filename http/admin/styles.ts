/** The admin pages' CSS: one inline stylesheet, no external assets. */
export const ADMIN_CSS = `
*,*::before,*::after{box-sizing:border-box}
:root{--bg:#f6f7f9;--card:#fff;--text:#1d2430;--muted:#667085;--line:#e4e7ec;--accent:#2f5bd3;--accent-dark:#2447aa;
--ready:#5b6b82;--running:#1f6feb;--ok:#1a7f37;--fail:#cf222e;--radius:10px;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:15px;line-height:1.45;color:var(--text);background:var(--bg)}
body{margin:0}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
header.top{background:#111827;color:#fff;padding:0 20px}
header.top .bar{max-width:1200px;margin:0 auto;display:flex;align-items:center;gap:18px;height:52px}
header.top .brand{font-weight:700;font-size:17px;color:#fff;letter-spacing:.2px}
header.top .brand span{color:#93b4ff}
header.top nav{display:flex;gap:14px;margin-left:auto}
header.top nav a{color:#d0d5dd;font-size:14px}header.top nav a:hover{color:#fff}
main{max-width:1200px;margin:0 auto;padding:20px}
h1{font-size:22px;margin:4px 0 16px;font-weight:650;word-break:break-all}
h2{font-size:16px;margin:0 0 12px;font-weight:650}
.card{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:16px;margin-bottom:16px}
.summary{display:grid;grid-auto-flow:column;grid-auto-columns:minmax(0,1fr);gap:10px;margin-bottom:16px}
.summary a{display:block;background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:10px 14px;color:var(--text)}
.summary a:hover{border-color:var(--accent);text-decoration:none}
.summary .n{display:block;font-size:22px;font-weight:700}
.summary .l{font-size:12px;text-transform:uppercase;letter-spacing:.5px;color:var(--muted)}
.summary .sub{display:block;font-size:12px;color:var(--muted)}
.summary .failed .n{color:var(--fail)}.summary .running .n{color:var(--running)}.summary .successful .n{color:var(--ok)}.summary .cancelled .n{color:#8250df}
form.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted);gap:4px;flex:1 1 150px;min-width:0}
form.filters label.search{flex:2 1 240px}
input[type=text],input[type=search],input[type=number],input[type=password],select{font:inherit;font-size:14px;padding:7px 10px;border:1px solid #cfd4dc;border-radius:8px;background:#fff;color:var(--text);width:100%;min-width:0}
input:focus,select:focus,button:focus-visible{outline:2px solid #9db7ff;outline-offset:1px}
button,.button{font:inherit;font-size:14px;font-weight:550;padding:7px 14px;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;white-space:nowrap;display:inline-block}
button:hover,.button:hover{background:var(--accent-dark);text-decoration:none}
button.secondary,.button.secondary{background:#fff;color:var(--text);border-color:#cfd4dc}
button.secondary:hover,.button.secondary:hover{background:#f2f4f7}
button.danger{background:var(--fail);border-color:var(--fail)}button.danger:hover{background:#a40e26}
.login{max-width:420px;margin:40px auto}.login label{display:flex;flex-direction:column;gap:4px;font-size:13px;color:var(--muted)}
header.top form.logout{margin:0}header.top form.logout button{background:none;border:none;color:#d0d5dd;padding:0;font-size:14px;font-weight:400}
.actions{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-bottom:12px}
.actions .count{color:var(--muted);font-size:13px;margin-left:auto}
table.tasks{width:100%;border-collapse:collapse;font-size:14px}
table.tasks th{text-align:left;font-size:12px;text-transform:uppercase;letter-spacing:.4px;color:var(--muted);font-weight:600;padding:8px 10px;border-bottom:1px solid var(--line)}
table.tasks td{padding:10px;border-bottom:1px solid var(--line);vertical-align:middle}
table.tasks tr:last-child td{border-bottom:0}
table.tasks tbody tr:hover{background:#fafbfc}
td.sel,th.sel{width:34px}
td.c-meta{white-space:nowrap}
.task-name{font-weight:600;word-break:break-word}
.mono,code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.id{font-size:12px;color:var(--muted)}
.muted{color:var(--muted)}.hint{font-size:12px;color:var(--muted)}
.badge{display:inline-block;font-size:11px;font-weight:700;letter-spacing:.4px;padding:3px 8px;border-radius:999px;color:#fff;background:var(--ready)}
.badge-running{background:var(--running)}.badge-successful{background:var(--ok)}.badge-failed{background:var(--fail)}.badge-cancelled{background:#8250df}
.notice{padding:10px 14px;border-radius:8px;margin-bottom:16px;border:1px solid #b7e1c1;background:#eefbf1;color:#125428}
.notice.warn{border-color:#f3d18b;background:#fff8e6;color:#6b4a00}
.notice.error{border-color:#f3b4b9;background:#fff0f1;color:#8a1320}
.pager{display:flex;gap:10px;align-items:center;justify-content:center;margin-top:14px;font-size:14px}
.empty{text-align:center;color:var(--muted);padding:30px 10px}
dl.facts{display:grid;grid-template-columns:160px 1fr;gap:8px 16px;margin:0}
dl.facts dt{color:var(--muted);font-size:13px}dl.facts dd{margin:0;word-break:break-word}
ol.timeline{list-style:none;margin:0;padding:0}
ol.timeline li{display:grid;grid-template-columns:160px 1fr;gap:16px;padding:6px 0;border-bottom:1px dashed var(--line)}
ol.timeline li:last-child{border-bottom:0}
ol.timeline .what{color:var(--muted);font-size:13px}
pre{background:#0f172a;color:#e2e8f0;padding:12px 14px;border-radius:8px;overflow:auto;font-size:13px;line-height:1.5;margin:0;max-height:420px;white-space:pre-wrap;word-break:break-word}
details.error{border:1px solid var(--line);border-radius:8px;margin-bottom:10px}
details.error summary{cursor:pointer;padding:10px 12px;font-weight:600}
details.error summary .hint{font-weight:400}
details.error pre{border-radius:0 0 8px 8px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.grid2>.card{margin-bottom:0}
.grid2{margin-bottom:16px}
.headline{display:flex;flex-wrap:wrap;align-items:center;gap:12px;margin-bottom:16px}
.headline h1{margin:0}
.headline form{margin-left:auto}
ul.plain{margin:0;padding-left:18px}
fieldset{border:0;padding:0;margin:0 0 12px;display:flex;gap:16px;flex-wrap:wrap}
label.check{display:flex;gap:6px;align-items:center;font-size:14px}
svg.chart{width:100%;height:auto;display:block}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;vertical-align:middle;margin-left:6px}
.swatch.ok{background:var(--ok)}.swatch.fail{background:var(--fail)}
table.workers td{font-size:13px}
@media (max-width:760px){
main{padding:12px}
header.top{padding:0 12px}
header.top .bar{height:auto;min-height:52px;flex-wrap:wrap;padding:8px 0;gap:6px 18px}
header.top nav{flex-wrap:wrap;gap:6px 12px}
.grid2{grid-template-columns:1fr}
dl.facts{grid-template-columns:84px minmax(0,1fr);gap:6px 10px}
button,.button{font-size:13px;padding:6px 10px}
ol.timeline li{grid-template-columns:1fr;gap:2px}
.summary{grid-auto-flow:row;grid-template-columns:repeat(4,minmax(0,1fr));gap:8px}
.summary a{padding:8px 10px}.summary .n{font-size:19px}.summary .l{font-size:10px;letter-spacing:.3px}.summary .sub{font-size:11px}
.summary a.all{display:none}
table.tasks thead{display:none}
table.tasks,table.tasks tbody{display:block;width:100%}
table.tasks tr{position:relative;display:flex;flex-wrap:wrap;align-items:center;gap:4px 14px;border-bottom:1px solid var(--line);padding:10px 4px 10px 36px}
table.tasks td{border:0;padding:0;display:block}
table.tasks td.c-task{flex:1 1 55%;min-width:0}
table.tasks td.c-meta{font-size:13px}
table.tasks td.c-meta::before{content:attr(data-label) " ";color:var(--muted);font-size:12px}
table.tasks td.sel{position:absolute;left:6px;top:12px;width:auto}
.actions .count{margin-left:0;width:100%}
.headline form{margin-left:0}
}
`;
