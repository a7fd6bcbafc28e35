// ES module entry of the browser SDK, for bundlers and <script type="module">: the same factory as
// window.Alloy (see embedded.js). Imported this way the SDK cannot know where it was served from,
// so the server is the token's `iss` claim unless setBaseUrl says otherwise.
import './embedded.js';

const Alloy = globalThis.Alloy;
export default Alloy;
export { Alloy };
