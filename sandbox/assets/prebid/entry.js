// The Prebid.js build a publisher would make from the npm package (tools/ensure-npm.sh bundles it with esbuild
// into node_modules/.moneytrail-build/prebid.js): the core and three real bidder adapters, under the `pbjs` global.
import pbjs from 'prebid.js';
import 'prebid.js/modules/appnexusBidAdapter';
import 'prebid.js/modules/rubiconBidAdapter';
import 'prebid.js/modules/pubmaticBidAdapter';

pbjs.processQueue();
