// The widget's icons as SVG path data (24×24), for svg() in dom.ts. One
// constant per icon, so each script bundles only the icons it draws.
export const chatIcon = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2Zm3 6.5a1.5 1.5 0 1 0 0 .01Zm5 0a1.5 1.5 0 1 0 0 .01Zm5 0a1.5 1.5 0 1 0 0 .01Z";
export const downIcon = "M6.7 8.3 12 13.6l5.3-5.3 1.4 1.4L12 16.4 5.3 9.7l1.4-1.4Z";
export const sendIcon = "M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2v6.4Z";
export const clipIcon = "M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6h-1.5Z";
export const mailIcon = "M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1Zm1 3.2V17h16V8.2l-8 5.3-8-5.3ZM5.2 7l6.8 4.5L18.8 7H5.2Z";
