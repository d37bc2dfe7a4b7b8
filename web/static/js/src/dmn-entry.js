/* The decision-table editor bundle (built by scripts/vendor.sh with esbuild into
   web/static/vendor/permitflow/dmn-modeler.js): dmn-js's Modeler as the global `DmnJS`.
   dmn-js's own UMD file carries Inferno's development build, which logs a console error
   on every page; bundling from its sources with production settings does not. */
import DmnModeler from 'dmn-js/lib/Modeler';

window.DmnJS = DmnModeler;
